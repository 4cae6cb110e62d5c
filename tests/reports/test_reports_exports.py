"""Markdown, LaTeX and CSV carry the same cells and markers, with record text escaped."""

from __future__ import annotations

import csv
import io
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.results.frame import build_result_set
from reports.exports import (
    latex_escape,
    markdown_escape,
    neutralise_csv_cell,
    per_seed_csv,
    to_csv,
    to_latex,
    to_markdown,
    write_tables,
)
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


FORMULA = '=HYPERLINK("http://evil.example/x","click")'
JS_LINK = "[x](javascript:alert(1))"
IMAGE = "![](http://evil.example/pixel.png)"
LONG_SUITE = "long-suite-" + "s" * 289


def _hostile_exports(make_record, write_records, root: Path) -> Path:
    """The real ``tables`` command, umask 002, on records whose method, suite and task names
    carry a spreadsheet formula, a javascript link and a remote image, plus a 300-char suite."""
    records = [
        make_record("camtl", 1, {"rte": 70.0, IMAGE: 60.0}, suite=FORMULA),
        make_record(JS_LINK, 1, {"rte": 65.0, IMAGE: 55.0}, suite=FORMULA),
        make_record("mtl", 1, {"rte": 50.0, "mrpc": 80.0}, suite=JS_LINK),
        make_record("camtl", 1, {"rte": 71.0, "mrpc": 81.0}, suite=LONG_SUITE),
    ]
    results = write_records(root / "results", records)
    out = root / "tables"
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", "tables", "--results", str(results), "--out", str(out)],
        capture_output=True, text=True, timeout=300, umask=0o002,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return out


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_cells(path: Path) -> list[str]:
    return [cell for row in csv.reader(path.open(encoding="utf-8")) for cell in row]


def _check_file_names_and_permissions(out: Path) -> None:
    files = sorted(out.iterdir())
    assert files and all(len(p.name) <= 64 + len(".per_seed.csv") for p in files)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o664 for p in files)
    long_tables = [p for p in files if p.name.startswith("comparison-long-suite-s")]
    assert {p.suffix for p in long_tables} == {".md", ".tex", ".csv"}
    assert all(re.search(r"-[0-9a-f]{8}(\.per_seed)?\.(md|tex|csv)$", p.name) for p in long_tables)
    assert not [p for p in files if p.name.startswith(".")]  # no temporary file left


def _check_csv(out: Path) -> None:
    cells = [c for p in out.glob("*.csv") for c in _csv_cells(p)]
    active = [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not _number(c))]
    assert active == []
    per_seed = out.glob("suites-*.per_seed.csv")
    headers = [next(csv.reader(p.open(encoding="utf-8"))) for p in per_seed]
    assert ["'" + FORMULA in h for h in headers] == [True]  # a suite is a column there
    assert FORMULA not in cells and "'" + FORMULA in cells


def _check_markdown(out: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.glob("*.md"))
    assert r"\[x\](javascript:alert(1))" in text
    assert r"\!\[\](http://evil.example/pixel.png)" in text
    assert re.search(r"(?<!\\)\[", text) is None  # every bracket escaped: no link, no image
    assert "<" not in text


def test_tables_cli_exports_hostile_names_safely(tmp_path, make_record, write_records) -> None:
    out = _hostile_exports(make_record, write_records, tmp_path)
    _check_file_names_and_permissions(out)
    _check_csv(out)
    _check_markdown(out)


def test_markdown_escape_and_csv_neutralisation() -> None:
    assert markdown_escape("a`b`<i>|\\[x](y)\nz") == r"a\`b\`&lt;i&gt;\|\\\[x\](y) z"
    assert neutralise_csv_cell("-1") == "'-1" and neutralise_csv_cell(-1.0) == -1.0
    assert neutralise_csv_cell("@SUM(A1)") == "'@SUM(A1)" and neutralise_csv_cell("ok") == "ok"


def test_negative_numbers_stay_numbers_in_csv(make_record) -> None:
    record = make_record("=SUM(A1)", 1, {"cola": 10.0, "rte": 50.0})
    record["main_scores"]["cola"] = -5.0  # Matthews correlation can be negative
    [table] = comparison_tables(build_result_set([record]).frame)
    rows = list(csv.DictReader(io.StringIO(to_csv(table))))
    cola = next(r for r in rows if r["column"] == "cola")
    assert (cola["mean"], cola["display"], cola["row"]) == ("-5.0", "'-5.0", "'=SUM(A1)")
    seeds = list(csv.DictReader(io.StringIO(per_seed_csv(table))))
    assert float(seeds[0]["cola"]) == -5.0
