"""Markdown, LaTeX and CSV carry the same cells and markers, with record text escaped."""

from __future__ import annotations

import csv
import io

import pytest

from benchmark.results.frame import build_result_set
from reports.exports import latex_escape, per_seed_csv, to_csv, to_latex, to_markdown, write_tables
from reports.tables import comparison_tables


@pytest.fixture
def table(make_record):
    records = [make_record("camtl", s, {"rte": 70.0 + 2 * s, "mrpc": 80.0}) for s in (1, 2)]
    records.append(make_record("stl", 1, {"rte": 60.0, "mrpc": 70.0}))
    records.append(make_record("=cmd|' /C calc'!A0", 1, {"rte": 1.0, "mrpc": 2.0}))
    records.append(make_record("<b>x</b>|y_z&$", 1, {"rte": 1.0, "mrpc": 2.0}))
    [table] = comparison_tables(build_result_set(records).frame)
    return table


def test_markdown(table):
    text = to_markdown(table)
    assert "| CA-MTL | 22.7M | 1.00× | 25.0 | 80.0 ± 0.0 | 73.0 ± 1.4 | 76.5 ± 0.7 | 66.0 |" in text
    assert "| Single-task fine-tuning |" in text and "(n=1/2)" in text
    assert "&lt;b&gt;x&lt;/b&gt;\\|y_z&amp;$" in text and "<b>" not in text
    assert "Scale: suite glue; backbone" in text
    assert "- Single-task fine-tuning: only 1 of 2 seeds (seeds 1)" in text


def test_latex(table):
    text = to_latex(table)
    assert r"76.5 $\pm$ 0.7" in text
    assert r"\textsuperscript{\footnotesize n=1/2}" in text
    assert r"\textless{}b\textgreater{}x\textless{}/b\textgreater{}\textbar{}y\_z\&\$" in text
    assert text.count(r"\\") == len(table.rows) + 1
    assert latex_escape("50% of #1 ~ {a}") == r"50\% of \#1 \textasciitilde{} \{a\}"


def test_csv_is_tidy_and_numeric(table):
    rows = list(csv.DictReader(io.StringIO(to_csv(table))))
    avg = next(r for r in rows if r["row"] == "camtl" and r["column"] == "Avg")
    assert float(avg["mean"]) == pytest.approx(76.5)
    assert (avg["n"], avg["n_expected"], avg["complete"]) == ("2", "2", "True")
    stl = next(r for r in rows if r["row"] == "stl" and r["column"] == "Avg")
    assert stl["std"] == "" and stl["complete"] == "False" and stl["display"] == "65.0 (n=1/2)"
    hostile = {r["row"] for r in rows}
    assert "'=cmd|' /C calc'!A0" in hostile  # formula neutralised


def test_per_seed_csv(table):
    rows = list(csv.DictReader(io.StringIO(per_seed_csv(table))))
    camtl = [r for r in rows if r["row"] == "camtl"]
    assert [r["seed"] for r in camtl] == ["1", "2"]
    assert [float(r["rte"]) for r in camtl] == [72.0, 74.0]


def test_write_tables(tmp_path, table):
    written = write_tables([table], tmp_path / "t", ["md", "csv", "tex"])
    names = sorted(p.name for p in written)
    assert names == [f"{table.slug}.{e}" for e in ("csv", "md", "per_seed.csv", "tex")]
