"""Starved tasks: a sampler that gives a task (almost) no updates is said in the log, in the
record and in every report table, instead of passing as a low score."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from benchmark.cli.main import main
from benchmark.results.frame import load_results
from benchmark.training.samplers import SamplerContext, make_sampler
from benchmark.training.usage import starved_tasks
from reports.cells import STARVED_LEGEND, STARVED_MARK
from reports.exports import to_latex, to_markdown
from reports.tables import comparison_tables


def _trained(sampler_name: str, sizes: list[int], steps: int) -> list[int]:
    """Each task's examples in ``steps`` batches of a real sampler."""
    sampler = make_sampler(sampler_name, SamplerContext(
        lengths=[[12] * n for n in sizes], batch_size=4, seed=3))
    counts = [0] * len(sizes)
    batches = iter(sampler.epoch(None))
    for _ in range(steps):
        for task, _ in next(batches):
            counts[task] += 1
    return counts


def test_sequential_schedule_cut_short_starves_the_second_task():
    trained = _trained("sequential", [32, 32], 2)
    assert trained == [8, 0]
    assert starved_tasks(["rte", "stsb"], [32, 32], trained, 8) == {
        "stsb": {"updates": 0, "proportional_share": 4.0, "unit": "examples"}}


def test_proportional_schedule_starves_no_one():
    trained = _trained("proportional", [40, 200], 30)
    assert sum(trained) == 120 and min(trained) > 0
    assert starved_tasks(["a", "b"], [40, 200], trained, 120) == {}


def test_a_tenth_of_the_share_is_the_line():
    # shares 14 and 126 of 140 examples: 1 example of 14 is starved, 2 are not
    assert starved_tasks(["small", "big"], [10, 90], [1, 139], 140) == {
        "small": {"updates": 1, "proportional_share": 14.0, "unit": "examples"}}
    assert starved_tasks(["small", "big"], [10, 90], [2, 138], 140) == {}


def test_a_task_in_every_mixed_batch_with_one_row_is_starved():
    """What steps would miss: in every one of 100 batches of 32, but 1 row each."""
    assert starved_tasks(["cola", "rte"], [500, 500], [100, 3100], 3200) == {
        "cola": {"updates": 100, "proportional_share": 1600.0, "unit": "examples"}}


def test_one_task_is_never_starved():
    assert starved_tasks(["rte"], [32], [5], 5) == {}


@pytest.fixture(scope="module")
def starved_run(tmp_path_factory, data_dir, tiny_backbone) -> tuple[dict, Path, str]:
    """A joint run whose sequential sampler ends (--max-steps 2) before reaching its second
    task: rte gets both updates, stsb none."""
    output = tmp_path_factory.mktemp("starved")
    args = ["run", "--tasks", "rte,stsb", "--methods", "mtl", "--sampler", "sequential",
            "--backbone", tiny_backbone, "--data-dir", str(data_dir), "--output", str(output),
            "--max-train-samples", "40", "--max-eval-samples", "8", "--max-steps", "2",
            "--batch-size", "4", "--max-length", "32", "--no-progress", "--seeds", "12"]
    handler = _Capture()
    logging.getLogger("benchmark").addHandler(handler)
    try:
        assert main(args) == 0
    finally:
        logging.getLogger("benchmark").removeHandler(handler)
    (path,) = output.glob("*.json")
    return json.loads(path.read_text()), output, "\n".join(handler.lines)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_run_warns_and_records_the_starved_task(starved_run):
    record, _, log = starved_run
    assert record["training"]["task_schedule"] == {"rte": [[1, 2]], "stsb": []}
    assert record["training"]["starved_tasks"] == {
        "stsb": {"updates": 0, "proportional_share": 4.0, "unit": "examples"}}
    assert "task stsb was trained on 0 of the 8 examples of 2 steps (proportional share " \
           "4.0): starved by the sequential sampler" in log
    assert "task rte" not in log


def test_every_table_format_marks_the_starved_cell(starved_run):
    _, output, _ = starved_run
    [table] = comparison_tables(load_results([output]).frame)
    [row] = table.rows
    stsb, rte = table.cell(row, "score:stsb"), table.cell(row, "score:rte")
    assert stsb.starved == (12,) and STARVED_MARK in stsb.text()
    assert not rte.starved and STARVED_MARK not in rte.text()
    assert STARVED_LEGEND in table.notes
    assert STARVED_MARK in to_markdown(table) and STARVED_LEGEND in to_markdown(table)
    assert r"\dag{}starved" in to_latex(table)


def test_the_html_report_marks_it(starved_run, tmp_path):
    _, output, _ = starved_run
    page = tmp_path / "report.html"
    assert main(["report", "--results", str(output), "--out", str(page)]) == 0
    html = page.read_text()
    assert re.search(rf'<sup class="seeds[^"]*">{STARVED_MARK}(, at baseline)?</sup>', html)
    assert "proportional share of updates" in html
