"""The report puts --fidelity reference runs beside the project's defaults at one scale,
with the paired difference per method."""

from __future__ import annotations

import numpy as np

from benchmark.results.frame import load_results
from benchmark.runs.spec import identity_hash
from reports.annotate import annotated_tables
from reports.html import render_report

N = 300


def _reference(record):
    """The same configuration run under ``--fidelity reference`` (its own run id)."""
    out = {**record, "training": {**record["training"], "fidelity": "reference",
                                  "model_selection": "best-dev"}}
    out["identity"] = {**record["identity"], "train": {**record["identity"]["train"],
                                                       "fidelity": "reference"}}
    out["run_id"] = identity_hash(out["identity"])
    return out


def _examples(accuracy, seed):
    gold = (np.random.default_rng(7).random(N) < 0.5).astype(int)
    right = np.random.default_rng([seed, int(accuracy * 100)]).random(N) < accuracy
    return {t: (np.where(right, gold, 1 - gold), gold) for t in ("rte", "sst2")}


def test_modes_side_by_side_with_paired_differences(tmp_path, make_record, with_predictions,
                                                    write_records):
    records = []
    for method in ("mtl", "camtl"):
        for seed in (1, 2):
            base = make_record(method, seed, {"rte": 0.0, "sst2": 0.0})
            records.append(with_predictions(base, _examples(0.75, seed)))
            records.append(with_predictions(_reference(base), _examples(0.85, seed)))
    result = load_results([write_records(tmp_path / "r", records)])
    [(table, annotated)] = [(t, a) for t, a in annotated_tables(result) if t.kind == "fidelity"]
    assert table.rows == ["mtl@project", "mtl@reference", "camtl@project", "camtl@reference"]
    assert "fidelity" not in table.scale.budget and "model_selection" not in table.scale.budget
    assert [d.key for d in annotated.differences] == ["mtl@reference", "camtl@reference"]
    for row in annotated.differences:
        delta = row.cells["average"].interval
        assert delta.low > 0 and abs(delta.estimate - 10.0) < 4
    page = render_report(result, figures=False)
    assert "Reference-faithful mode against this project" in page
    assert 'data-difference="camtl@reference"' in page


def test_no_fidelity_table_without_both_modes(tmp_path, make_record, with_predictions,
                                              write_records):
    records = [with_predictions(make_record("mtl", s, {"rte": 0.0, "sst2": 0.0}),
                                _examples(0.8, s)) for s in (1, 2)]
    result = load_results([write_records(tmp_path / "r", records)])
    assert not [t for t, _ in annotated_tables(result) if t.kind == "fidelity"]
