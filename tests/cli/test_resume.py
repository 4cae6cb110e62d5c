"""Interrupting a suite and running it again finishes it without redoing finished runs.

The interruption lands at a point the test names (``benchmark.interruption``), never in a
race against the clock: a signal sent "while a later run trains" missed on a fast machine.
The suite is 4 runs (mtl, stl x seeds 1, 2) of 4 optimizer steps each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import jsonschema

from benchmark.cli.main import main
from benchmark.interruption import AFTER, WAIT, WAITING
from benchmark.results.schema import RESULT_SCHEMA

STEPS_PER_RUN = 4  # 32 training examples in batches of 8, one epoch (tiny_budget_flags)


def _command(output: Path, data_dir: Path, backbone: str, budget: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "benchmark", "run", "--tasks", "rte", "--methods", "mtl,stl",
        "--seeds", "1,2", "--backbone", backbone, "--data-dir", str(data_dir),
        "--output", str(output), *budget,
    ]  # fmt: skip


def _environment(**interrupt: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*AFTER.values(), WAIT)}
    return {**env, **interrupt, "PYTHONUNBUFFERED": "1"}


def _records(output: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in output.glob("*.json")}


def _resume_and_check(command: list[str], finished: dict[str, bytes], output: Path) -> None:
    """The same command again trains only the unfinished runs and leaves the others as they were."""
    mtimes = {name: (output / name).stat().st_mtime_ns for name in finished}
    done = subprocess.run(command, env=_environment(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{4 - len(finished)} run(s) trained, {len(finished)} already finished" in done.stdout
    records = _records(output)
    assert len(records) == 4
    for content in records.values():
        jsonschema.validate(json.loads(content), RESULT_SCHEMA)
    for name, content in finished.items():
        assert records[name] == content, f"{name} was redone"
        assert (output / name).stat().st_mtime_ns == mtimes[name], f"{name} was rewritten"


def test_interrupted_after_two_records_resumes_with_the_other_two(
    tmp_path, data_dir, tiny_backbone, tiny_budget_flags
):
    output = tmp_path / "results"
    command = _command(output, data_dir, tiny_backbone, tiny_budget_flags)
    env = _environment(CAMTL_BENCH_INTERRUPT_AFTER_RECORDS="2")
    stopped = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert stopped.returncode == 130, stopped.stderr[-3000:]
    assert "interrupted: finished runs are kept" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    finished = _records(output)
    assert len(finished) == 2
    assert not list(output.glob(".*.tmp")), "no half-written record may remain"
    _resume_and_check(command, finished, output)


def test_real_ctrl_c_in_the_middle_of_a_run_keeps_only_finished_runs(
    tmp_path, data_dir, tiny_backbone, tiny_budget_flags
):
    output = tmp_path / "results"
    command = _command(output, data_dir, tiny_backbone, tiny_budget_flags)
    step = STEPS_PER_RUN + STEPS_PER_RUN // 2  # half-way through the second run
    env = _environment(CAMTL_BENCH_INTERRUPT_AFTER_STEPS=str(step), CAMTL_BENCH_INTERRUPT_WAIT="1")
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C's default action, even where this test runs with SIGINT ignored (a background job)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(WAITING):
            break
    assert seen and seen[-1].startswith(f"{WAITING} after {step} steps"), "".join(seen)[-3000:]
    assert len(_records(output)) == 1, "the first run finished, the second is mid-way"
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 130, rest[-3000:]
    assert "interrupted: finished runs are kept" in rest
    finished = _records(output)
    assert len(finished) == 1, "the interrupted run must not leave a record"
    assert not list(output.glob(".*.tmp")), "no half-written record may remain"
    _resume_and_check(command, finished, output)


def test_a_malformed_interruption_setting_stops_before_training(
    tmp_path, data_dir, tiny_backbone, tiny_budget_flags, monkeypatch, capsys
):
    output = tmp_path / "results"
    monkeypatch.setenv("CAMTL_BENCH_INTERRUPT_AFTER_STEPS", "half")
    arguments = _command(output, data_dir, tiny_backbone, tiny_budget_flags)[3:]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "CAMTL_BENCH_INTERRUPT_AFTER_STEPS must be a positive whole number" in error
    assert not _records(output)
