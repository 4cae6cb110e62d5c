"""Killing a suite run mid-way and running it again finishes it without redoing runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema

from benchmark.results.schema import RESULT_SCHEMA


def _command(output: Path, data_dir: Path, backbone: str, budget: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "benchmark",
        "run",
        "--tasks",
        "rte",
        "--methods",
        "mtl,stl",
        "--seeds",
        "1,2",
        "--backbone",
        backbone,
        "--data-dir",
        str(data_dir),
        "--output",
        str(output),
        *budget,
        "--max-train-samples",
        "48",
        "--epochs",
        "3",  # a few seconds per run: time to interrupt one mid-way
    ]


def test_killed_run_resumes_without_redoing_finished_runs(
    tmp_path, data_dir, tiny_backbone, tiny_budget_flags
):
    output = tmp_path / "results"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        _command(output, data_dir, tiny_backbone, tiny_budget_flags),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while time.time() < deadline and not list(output.glob("*.json")):
        time.sleep(0.05)
    # interrupt while a later run trains; a library may swallow one Ctrl-C inside a call
    # (a user presses it again), so keep pressing until the process stops
    for _ in range(120):
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            continue
    assert process.returncode not in (None, 0), "the interrupted run must exit non-zero"
    first = {p.name: p.stat().st_mtime_ns for p in output.glob("*.json")}
    assert 1 <= len(first) < 4, "the interrupted suite should have finished some runs, not all"
    assert not list(output.glob(".*.tmp")), "no half-written record may remain"

    done = subprocess.run(
        _command(output, data_dir, tiny_backbone, tiny_budget_flags),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    records = sorted(output.glob("*.json"))
    assert len(records) == 4
    for path in records:
        jsonschema.validate(json.loads(path.read_text()), RESULT_SCHEMA)
    for name, mtime in first.items():
        assert (output / name).stat().st_mtime_ns == mtime, f"{name} was redone"
    assert f"{4 - len(first)} run(s) trained, {len(first)} already finished" in done.stdout
