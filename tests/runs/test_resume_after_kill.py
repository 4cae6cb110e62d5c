"""A run killed with SIGKILL mid-training, twice, and started again each time, writes the
record an uninterrupted run writes: same metrics, history, schedule, usage and predictions.

Real processes on real RTE and SST-2 rows with the tiny backbone. The suite is camtl (one
joint model, MT-Uncertainty batches, 12 steps) then stl (one model per task, 6 steps each),
with model selection on the held-out slice (so the selected weights are part of the state).
The kills land at points the test names (``benchmark.interruption``), each after a saved
state (``state_every_steps: 1``):

1. step 3 of camtl: mid-way through a joint run;
2. step 3 of stl's SST-2 model: its RTE model finished, its SST-2 model mid-way.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.interruption import AFTER, WAIT, WAITING
from benchmark.runs.spec import NOT_IDENTITY

CAMTL_STEPS, STL_STEPS_PER_TASK = 12, 6
"""32 examples per task less the 8 of the selection slice, in batches of 8, 2 epochs."""
VOLATILE = {
    "training": ("wall_time_s", "timing", "peak_memory_mb"),
    "manifest": ("created", "hardware"),
}
"""What differs between any two runs of one command: times and the machine's load."""


def _command(output: Path, data_dir: Path, backbone: str, config: Path) -> list[str]:
    return [
        sys.executable, "-m", "benchmark", "run", "--tasks", "rte,sst2",
        "--methods", "camtl,stl", "--seeds", "3", "--backbone", backbone,
        "--data-dir", str(data_dir), "--output", str(output), "--config", str(config),
        "--max-train-samples", "32", "--max-eval-samples", "16", "--epochs", "2",
        "--batch-size", "8", "--max-length", "32", "--no-progress",
    ]  # fmt: skip


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*AFTER.values(), WAIT)}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _kill_after(command: list[str], steps: int) -> str:
    """Run until ``steps`` optimizer steps of this process are done, then SIGKILL it."""
    process = subprocess.Popen(
        command, env=_environment(**{AFTER["steps"]: str(steps), WAIT: "1"}),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(WAITING):
            break
    assert seen and seen[-1].startswith(f"{WAITING} after {steps} steps"), "".join(seen)[-3000:]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return "".join(seen)


def _records(output: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in output.glob("*.json")}


def _comparable(record: dict) -> dict:
    record = copy.deepcopy(record)
    for section, keys in VOLATILE.items():
        for key in keys:
            record[section].pop(key, None)
    for name in NOT_IDENTITY:  # the killed runs saved states, the whole one did not
        record["manifest"]["config"]["train"].pop(name)
    forgetting = record.get("forgetting")
    if forgetting:
        forgetting.pop("seconds", None)
    return record


@pytest.fixture
def state_config(tmp_path: Path) -> Path:
    config = tmp_path / "every-step.yaml"
    config.write_text("state_every_steps: 1\nmodel_selection: best\nforgetting: false\n")
    return config


def test_two_sigkills_and_restarts_give_the_uninterrupted_record(
    tmp_path, data_dir, tiny_backbone, state_config
):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    plain = tmp_path / "plain.yaml"
    plain.write_text("model_selection: best\nforgetting: false\n")  # no state is ever saved
    done = subprocess.run(_command(whole, data_dir, tiny_backbone, plain), env=_environment(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = _records(whole)
    assert len(expected) == 2
    assert not (whole / ".claims").exists() or not any((whole / ".claims").iterdir())

    command = _command(killed, data_dir, tiny_backbone, state_config)
    _kill_after(command, 3)
    assert not _records(killed)
    (state_folder,) = (killed / ".claims").glob("*.state")
    assert [p.name for p in state_folder.iterdir()] == ["part-0.pt"]
    assert (killed / ".claims" / f"{state_folder.stem}.claim").exists(), "SIGKILL left the claim"

    second = _kill_after(command, CAMTL_STEPS - 3 + STL_STEPS_PER_TASK + 3)
    assert "resuming rte+sst2 from its saved state after step 3 of 12" in second
    assert len(_records(killed)) == 1, "camtl finished in the second process"
    (stl_state,) = (killed / ".claims").glob("*.state")
    assert sorted(p.name for p in stl_state.iterdir()) == ["part-0.pt", "part-1.pt"]

    last = subprocess.run(command, env=_environment(), capture_output=True, text=True,
                          timeout=600)
    assert last.returncode == 0, last.stderr[-3000:]
    assert "rte finished training before the run was stopped" in last.stderr
    assert "resuming sst2 from its saved state after step 3 of 6" in last.stderr
    assert "Traceback" not in last.stderr
    records = _records(killed)
    assert set(records) == set(expected)
    for run_id, record in records.items():
        assert _comparable(record) == _comparable(expected[run_id]), record["method"]
        assert (killed / record["example_predictions"]["file"]).read_bytes() == (
            whole / record["example_predictions"]["file"]).read_bytes()
    assert not any((killed / ".claims").iterdir()), "states and claims are gone with the record"


def test_a_corrupt_state_stops_with_the_file_named_and_keeps_it(
    tmp_path, data_dir, tiny_backbone, state_config
):
    output = tmp_path / "results"
    command = _command(output, data_dir, tiny_backbone, state_config)
    _kill_after(command, 2)
    (state,) = (output / ".claims").glob("*.state/part-0.pt")
    state.write_bytes(state.read_bytes()[:200])  # truncated, as by a full disk elsewhere
    stopped = subprocess.run(command, env=_environment(), capture_output=True, text=True,
                             timeout=600)
    assert stopped.returncode == 2, stopped.stderr[-3000:]
    assert f"{state} is not a readable training state" in stopped.stderr
    assert "rerun with --overwrite" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert state.exists() and not _records(output)
