"""The report and the table exports show the evidence: intervals in score cells, the
trivial predictor's row, paired differences, and at-baseline marks; methods that learned
nothing get no red or green verdict."""

from __future__ import annotations

import csv
import re

import numpy as np

from benchmark.cli.main import main
from benchmark.results.frame import load_results
from reports.html import render_report

N = 300


def _gold(task):
    return (np.random.default_rng(len(task)).random(N) < 0.55).astype(int)


def _records(make_record, with_predictions, accuracies):
    records = []
    for method, accuracy in accuracies.items():
        for seed in (1, 2):
            examples = {}
            for task in ("rte", "sst2"):
                gold = _gold(task)
                if accuracy is None:
                    pred = np.ones_like(gold)
                else:
                    right = np.random.default_rng([seed, len(method)]).random(N) < accuracy
                    pred = np.where(right, gold, 1 - gold)
                examples[task] = (pred, gold)
            records.append(with_predictions(make_record(method, seed, {"rte": 0.0, "sst2": 0.0}),
                                            examples, trivial={"rte": 1.0, "sst2": 1.0}))
    return records


def test_report_shows_intervals_baseline_row_and_differences(
        tmp_path, make_record, with_predictions, write_records):
    records = _records(make_record, with_predictions, {"stl": 0.7, "camtl": 0.9})
    page = render_report(load_results([write_records(tmp_path / "r", records)]), figures=False)
    assert re.search(r'<div class="ci" data-low="[\d.]+" data-high="[\d.]+">\[', page)
    assert 'data-baseline="trivial"' in page and "Trivial predictor (majority class)" in page
    [row] = re.findall(r'<tr data-difference="camtl">(.*?)</tr>', page, re.S)
    assert "Δ +" in row and 'class="num derived above"' in row
    assert '<span class="verdict supported">supported</span>' in page
    assert "camtl − stl: Δ +" in page


def test_methods_at_baseline_get_no_coloured_verdict(
        tmp_path, make_record, with_predictions, write_records):
    """Smoke-like records (every method predicts the majority class): the comparison claims
    say why they are inconclusive; no cell claims a method learned."""
    records = _records(make_record, with_predictions, {"stl": None, "camtl": None,
                                                       "houlsby": None})
    page = render_report(load_results([write_records(tmp_path / "r", records)]), figures=False)
    verdicts = re.findall(r'<tr data-claim="(beats-stl|adapters-2\.8)">.*?<span class="verdict '
                          r'([\w-]+)">([^<]+)</span>', page, re.S)
    assert {(key, css, text) for key, css, text in verdicts} == {
        ("beats-stl", "inconclusive", "inconclusive (did not learn at this budget)"),
        ("adapters-2.8", "inconclusive", "inconclusive (did not learn at this budget)")}
    assert page.count('sup class="seeds at-baseline"') == 6  # 3 methods x 2 tasks
    assert "did not learn this task at this budget" in page  # the legend


def test_tables_export_carries_intervals(tmp_path, make_record, with_predictions, write_records):
    records = _records(make_record, with_predictions, {"stl": 0.7, "camtl": 0.9})
    folder = write_records(tmp_path / "r", records)
    out = tmp_path / "tables"
    assert main(["tables", "--results", str(folder), "--out", str(out)]) == 0
    [evidence] = out.glob("comparison-*.evidence.md")
    text = evidence.read_text()
    assert "Trivial predictor (majority class)" in text and "CA-MTL − Single-task" in text
    [table_csv] = [p for p in out.glob("comparison-*.csv") if "per_seed" not in p.name]
    rows = {(r["row"], r["column"].lower()): r for r in csv.DictReader(table_csv.open())}
    cell = rows[("camtl", "rte")]
    assert float(cell["ci_low"]) <= float(cell["mean"]) <= float(cell["ci_high"])
    assert cell["at_baseline"] == "False"
    assert "[" in cell["display"]
