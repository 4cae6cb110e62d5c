"""Tampered and impossible records, made from a real run's record.

`submit` refuses each with exit 2 and one line per problem, copying nothing;
`report`, `tables` and `leaderboard` leave them out with a warning and still render
(or stop with exit 2 under `--strict`). Records already in the folder stay byte-identical.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmark.cli.main import main
from benchmark.errors import USER_ERROR_EXIT_CODE
from benchmark.results.validate import read_record


@pytest.fixture(scope="module")
def real_record(tmp_path_factory, data_dir, tiny_backbone, tiny_budget_flags) -> Path:
    """One real record: standard MTL on RTE and MRPC, tiny backbone, 32 examples per task."""
    out = tmp_path_factory.mktemp("real") / "results"
    code = main(["run", "--tasks", "rte,mrpc", "--methods", "mtl", "--seeds", "1",
                 "--backbone", tiny_backbone, "--data-dir", str(data_dir), "--output", str(out),
                 *tiny_budget_flags])
    assert code == 0
    [path] = out.glob("*.json")
    return path


@pytest.fixture
def results(tmp_path, real_record) -> Path:
    """A results folder holding the real record, which no refused submission may touch."""
    folder = tmp_path / "results"
    folder.mkdir()
    shutil.copy(real_record, folder / real_record.name)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def tamper(text: str) -> str:
        record = json.loads(text)
        change(record)
        return json.dumps(record, indent=2)
    return tamper


def _set(path: str, value: Any) -> Callable[[str], str]:
    """Tamper one field, named by its dotted path."""
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = record
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return _edit(change)


def _legacy(record: dict[str, Any]) -> None:
    """A schema-1.1 record: no identity, and no prediction file (both came with 1.2)."""
    del record["identity"]
    record.pop("example_predictions", None)
    record["schema_version"] = "1.1"


TAMPERED = {
    "main score 1000": (_set("main_scores.rte", 1000.0),
                        "main_scores.rte: 1000 is outside [0, 100], the range of its task score"),
    "main score -50": (_set("main_scores.rte", -50.0),
                       "main_scores.rte: -50 is outside [0, 100], the range of its task score"),
    "accuracy 7.5": (_set("metrics.rte.accuracy", 7.5),
                     "metrics.rte.accuracy: 7.5 is outside accuracy's range [0, 1]"),
    "NaN score": (_set("main_scores.rte", float("nan")),  # json writes the literal NaN
                  "main_scores.rte: nan is not a finite number"),
    "Infinity score": (_set("main_scores.rte", float("inf")),
                       "main_scores.rte: inf is not a finite number"),
    "suite average unrelated to its scores": (
        _set("suite_average", 108.0),
        "suite_average: 108 "),  # "... must be null" (glue without its other tasks)
    "run id not the hash of its config": (
        _set("run_id", "0123456789abcdef"),
        "run_id: 0123456789abcdef is not the hash of the record's identity"),
    "10^9 examples updated": (
        _set("data_usage.per_task.rte.updated", 10**9),
        "data_usage.per_task.rte.updated: 1000000000 distinct examples updated, but only "),
    "10^13 steps": (_set("training.steps", 10**13),
                    "training.steps: 10000000000000 is more than the budget allows ("),
    "duplicate keys": (lambda t: '{"method": "camtl",' + t[1:],
                       "(file): key 'method' appears more than once in one object"),
    "300-character run id": (_set("run_id", "a" * 300),
                             "run_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa… (300 characters) "
                             "does not match '^[0-9a-f]{16}$' (16 hex digits"),
    "legacy run id": (_edit(_legacy),
                      "legacy record (schema 1.1, no identity): run id not verifiable; submit "
                      "accepts only records whose run id is the hash of their identity"),
}


def test_the_real_record_is_valid_and_verified(real_record):
    reading = read_record(real_record)
    assert reading.problems == [] and reading.notes == []
    assert reading.record["identity"]["tasks"] == ["rte", "mrpc"]


@pytest.mark.parametrize("case", list(TAMPERED))
def test_submit_refuses_tampered_records(case, tmp_path, real_record, results, capsys):
    tamper, message = TAMPERED[case]
    source = tmp_path / "tampered.json"
    source.write_text(tamper(real_record.read_text()))
    before = _snapshot(results)
    assert main(["submit", str(source), "--results", str(results)]) == USER_ERROR_EXIT_CODE
    err = capsys.readouterr().err
    assert err.startswith("error: nothing was copied:\n")
    assert f"{source}: not a valid result record:\n" in err
    assert f"\n  {message}" in err  # one indented line per problem
    assert _snapshot(results) == before
    assert main(["submit", "--check", str(source)]) == USER_ERROR_EXIT_CODE


def test_submit_still_accepts_the_real_record(tmp_path, real_record, capsys):
    dest = tmp_path / "elsewhere"
    assert main(["submit", str(real_record), "--results", str(dest)]) == 0
    assert (dest / real_record.name).read_bytes() == real_record.read_bytes()
    assert "added" in capsys.readouterr().out


def _history(field: str, value: Any) -> Callable[[str], str]:
    return _set(f"history.0.{field}", value)


REPORT_CRASHERS = {
    "history-scores-string.json": (_history("main_scores", "high"), "history.0.main_scores: "),
    "history-loss-string.json": (_history("train_loss", "low"), "history.0.train_loss: "),
    "schedule-flat.json": (_set("training.task_schedule.rte", [1, 4]),
                           "training.task_schedule.rte.0: 1 is not of type 'array'"),
    "schedule-triples.json": (_set("training.task_schedule.rte", [[1, 2, 3]]),
                              "training.task_schedule.rte.0: [1, 2, 3] is too long"),
    "scores-nan-inf.json": (_edit(lambda r: r["main_scores"].update(rte=float("nan"),
                                                                     mrpc=float("inf"))),
                            "main_scores.mrpc: inf is not a finite number; main_scores.rte: nan "),
    "steps-1e13.json": (_set("training.steps", 10**13), "training.steps: 10000000000000 is more "),
}


@pytest.fixture
def crashing_folder(tmp_path, real_record) -> Path:
    """The real record, a legacy copy of it, and records that crashed the report before."""
    folder = tmp_path / "crashers"
    folder.mkdir()
    text = real_record.read_text()
    shutil.copy(real_record, folder / real_record.name)
    legacy = copy.deepcopy(json.loads(text))
    _legacy(legacy)
    legacy["seed"] = legacy["manifest"]["config"]["seed"] = 2
    legacy["run_id"] = "00000000000000aa"
    (folder / "legacy.json").write_text(json.dumps(legacy))
    for name, (tamper, _) in REPORT_CRASHERS.items():
        (folder / name).write_text(tamper(text))
    return folder


@pytest.mark.parametrize("verb, out", [("report", "report.html"), ("tables", "tables"),
                                       ("leaderboard", "leaderboard.html")])
def test_reports_leave_impossible_records_out_and_render(verb, out, tmp_path, crashing_folder,
                                                         capsys):
    before = _snapshot(crashing_folder)
    target = tmp_path / "out" / out
    assert main([verb, "--results", str(crashing_folder), "--out", str(target)]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: ")]
    for name, (_, message) in REPORT_CRASHERS.items():
        [line] = [w for w in warnings if f"{crashing_folder / name}: " in w]
        assert message in line
    [legacy] = [w for w in warnings if "legacy.json" in w]
    assert legacy.endswith("legacy record (schema 1.1, no identity): run id not verifiable")
    assert len(warnings) == len(REPORT_CRASHERS) + 1
    assert target.exists() and "Traceback" not in captured.err
    if verb != "tables":
        assert "(2 runs)" in captured.out  # the real record and the legacy one
    assert _snapshot(crashing_folder) == before


@pytest.mark.parametrize("verb", ["report", "tables", "leaderboard"])
def test_strict_stops_before_writing(verb, tmp_path, crashing_folder, capsys):
    target = tmp_path / "out" / "x"
    args = [verb, "--results", str(crashing_folder), "--out", str(target), "--strict"]
    assert main(args) == USER_ERROR_EXIT_CODE
    err = capsys.readouterr().err
    assert f"error: {len(REPORT_CRASHERS)} file(s) or run(s) left out (see the warnings); " \
           "nothing was written" in err
    assert not target.exists()


def test_strict_accepts_a_legacy_record(tmp_path, crashing_folder, capsys):
    for name in REPORT_CRASHERS:
        (crashing_folder / name).unlink()
    target = tmp_path / "report.html"
    args = ["report", "--results", str(crashing_folder), "--out", str(target), "--strict",
            "--no-figures"]
    assert main(args) == 0
    assert "legacy record" in capsys.readouterr().err and target.exists()
