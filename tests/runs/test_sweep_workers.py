"""Several `run` processes share one results folder: every run trained once, dead workers' runs
taken over.

Real processes (one thread each) on real data with the tiny backbone: 6 runs (mtl, stl x
seeds 1-3 on rte) of 2 optimizer steps. A run's training start is its log line
``[i/6] <label> (run <id>)``; a worker that finds a run claimed logs ``claimed by``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema

from benchmark.interruption import AFTER, WAIT, WAITING
from benchmark.results.schema import RESULT_SCHEMA
from benchmark.runs.claims import Busy, Claims, claim_path, read_claim
from benchmark.runs.shard import SLURM_ID

RUNS = 6
_STARTED = re.compile(r"\[\d+/\d+\] .* \(run ([0-9a-f]{16})\)$", re.MULTILINE)
_SUMMARY = re.compile(r"^(\d+) run\(s\) trained, (\d+) already finished", re.MULTILINE)
_SKIPPED = re.compile(r"^(\d+) run\(s\) skipped, claimed by other workers", re.MULTILINE)
_TOOK_OVER = re.compile(r"took over the claim of (\S+):(\d+) ")


def _command(output: Path, data_dir: Path, backbone: str, timeout_s: float) -> list[str]:
    return [
        sys.executable, "-m", "benchmark", "run", "--tasks", "rte", "--methods", "mtl,stl",
        "--seeds", "1,2,3", "--backbone", backbone, "--data-dir", str(data_dir),
        "--output", str(output), "--max-train-samples", "8", "--max-eval-samples", "8",
        "--max-steps", "2", "--batch-size", "4", "--max-length", "16", "--no-progress",
        "--claim-timeout", str(timeout_s),
    ]  # fmt: skip


def _environment(**extra: str) -> dict[str, str]:
    drop = (*AFTER.values(), WAIT, SLURM_ID)
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **extra}


def _start(command: list[str], **extra: str) -> subprocess.Popen:
    return subprocess.Popen(command, env=_environment(**extra), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(workers: list[subprocess.Popen]) -> list[tuple[str, str]]:
    """Each worker's (stdout, stderr); every one must exit 0."""
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-3000:]
    return outputs


def _check_matrix_complete(output: Path) -> dict[str, dict]:
    """Six valid records, one per run, and no claim, lock or temporary file left."""
    records = {p.stem: json.loads(p.read_text()) for p in output.glob("*.json")}
    assert len(records) == RUNS
    for run_id, record in records.items():
        jsonschema.validate(record, RESULT_SCHEMA)
        assert record["run_id"] == run_id
    assert not [p.name for p in (output / ".claims").iterdir()], "claims must be released"
    assert not list(output.glob(".*.tmp"))
    return records


def test_three_workers_at_once_train_every_run_exactly_once(tmp_path, data_dir, tiny_backbone):
    output = tmp_path / "results"
    command = _command(output, data_dir, tiny_backbone, 60)
    outputs = _finish([_start(command) for _ in range(3)])
    started = [_STARTED.findall(err) for _, err in outputs]
    every_start = sum(started, [])
    records = _check_matrix_complete(output)
    assert sorted(every_start) == sorted(records), "each run trained exactly once"
    assert sum(1 for s in started if s) >= 2, f"the workers shared the matrix: {started}"
    for (out, err), mine in zip(outputs, started, strict=True):
        trained, finished = map(int, _SUMMARY.search(out).groups())
        skipped = _SKIPPED.search(out)
        left = int(skipped.group(1)) if skipped else 0  # still claimed when this worker ended
        assert (trained, trained + finished + left) == (len(mine), RUNS), out
        assert "Traceback" not in err


def test_a_killed_workers_claim_is_taken_over_after_the_timeout(tmp_path, data_dir, tiny_backbone):
    output = tmp_path / "results"
    timeout_s = 3.0
    command = _command(output, data_dir, tiny_backbone, timeout_s)
    victim = _start(command, **{AFTER["steps"]: "1", WAIT: "1"})  # mid-way through its 1st run
    seen = []
    for line in victim.stderr:
        seen.append(line)
        if line.startswith(WAITING):
            break
    assert seen and seen[-1].startswith(f"{WAITING} after 1 steps"), "".join(seen)[-3000:]
    (run_id,) = _STARTED.findall("".join(seen))
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    path = claim_path(output, run_id)
    claim = read_claim(path)
    assert claim is not None and claim.pid == victim.pid, "SIGKILL leaves the claim behind"
    assert claim.owner_died_here(), "on its own machine a dead owner is known at once"
    # As a worker on another machine sees it: the pid says nothing there, only the heartbeat.
    path.write_text(json.dumps({**json.loads(path.read_text()), "process_space": "elsewhere"}))
    claim = read_claim(path)
    assert not claim.owner_died_here()
    assert isinstance(Claims(output, timeout_s).acquire(run_id, "probe"), Busy), (
        "within the timeout the dead worker's claim still holds"
    )
    while not claim.is_stale(timeout_s):  # its last heartbeat ages out (3 s at most)
        time.sleep(0.2)
    outputs = _finish([_start(command), _start(command)])  # both find the stale claim
    takers = [_TOOK_OVER.findall(err) for _, err in outputs]
    assert sorted(takers, key=len) == [[], [(claim.host, str(victim.pid))]], takers
    records = _check_matrix_complete(output)
    assert run_id in records
    starts = sum((_STARTED.findall(err) for _, err in outputs), [])
    assert sorted(starts) == sorted(records), "after the takeover, each run trained once"


def test_a_dry_run_names_who_holds_each_claimed_run(run_cli, tmp_path, data_dir, tiny_backbone):
    output = tmp_path / "results"
    flags = _command(output, data_dir, tiny_backbone, 60)[4:]
    ids = [line.split()[0] for line in run_cli([*flags, "--dry-run"]).out.splitlines()[1:]]
    live = Claims(output, 60).acquire(ids[0], "mtl seed=1")
    dead = Claims(output, 1).acquire(ids[1], "mtl seed=2")
    dead_claim = json.loads(dead.path.read_text())
    dead.path.write_text(json.dumps({**dead_claim, "heartbeat": time.time() - 120}))
    listing = run_cli([*flags, "--dry-run"]).out.splitlines()[1:]
    host = f"{live.claims.host}:{os.getpid()}"
    assert f"[claimed]  mtl seed=1 tasks=rte  sampler=proportional  claimed by {host} since" in (
        listing[0]
    )
    assert listing[1].endswith(" s ago), stale: the next run takes it over")
    assert all("[todo]" in line for line in listing[2:])
    live.release()
    assert "[todo]" in run_cli([*flags, "--dry-run"]).out.splitlines()[1]
