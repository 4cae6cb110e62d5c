"""What several processes cost or save on one machine's cores, measured side by side in one
run (pytest-benchmark, interleaved rounds; README, Performance):

1. one CA-MTL run (RTE + MRPC, MiniLM, 200 training and 100 dev examples per task, batch 16,
   length 128, one epoch) in one process with the machine's threads against the same
   command launched data-parallel over 2 processes of one thread each (``accelerate launch
   --multi_gpu --num_processes 2``, gloo): wall-time ratio, and the two records must be
   the same run (MiniLM has dropout, and dropout masks differ per process, so the weights
   drift apart and MT-Uncertainty's later picks may differ: measured, from step 17 of 26);
2. a sweep of 8 runs (stl and mtl x 4 seeds on RTE, same budget) by one worker against two
   workers of one thread each sharing the results folder (claims): wall-time ratio, and
   every run trained exactly once.

No targets: on one CPU these are overheads and savings to report, not goals.

Run:  python -m pytest tests/benchmarks/test_parallel_overhead.py -o addopts="" --benchmark-only
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from speed_tools import interleaved, paired_ratio, record, rounds

BUDGET = ["--max-train-samples", "200", "--max-eval-samples", "100", "--epochs", "1",
          "--batch-size", "16", "--max-length", "128", "--model-selection", "last",
          "--no-progress"]


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def _one_thread() -> dict[str, str]:
    """One thread per process; no GPU (a CPU measurement, and on a one-GPU machine the
    second process would be put on a cuda:1 that is not there)."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
            "CUDA_VISIBLE_DEVICES": ""}


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def _check(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr[-3000:]


def _records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_one_run_over_two_processes_vs_one(benchmark, data_dir, tmp_path, speed_report):
    run = ["-m", "benchmark", "run", "--tasks", "rte,mrpc", "--methods", "camtl", "--seeds",
           "12", "--data-dir", str(data_dir), *BUDGET]
    one, two = tmp_path / "one", tmp_path / "two"
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
              "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
              "--dynamo_backend", "no"]
    variants = {
        "one": lambda: _check(subprocess.run(
            [sys.executable, *run, "--output", str(_fresh(one))], capture_output=True,
            text=True, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})),
        "two": lambda: _check(subprocess.run(
            [*launch, "--main_process_port", _free_port(), *run, "--output", str(_fresh(two))],
            capture_output=True, text=True, env=_one_thread())),
    }
    times = interleaved(benchmark, variants, rounds(2), warmup=0)
    ratios = {"two/one": paired_ratio(times, "two", "one")}
    record(benchmark, speed_report, "1 run, 2 processes (gloo)", times, ratios)
    [single], [parallel] = _records(one), _records(two)
    assert parallel["run_id"] == single["run_id"]
    assert parallel["manifest"]["hardware"]["world_size"] == 2
    assert parallel["training"]["steps"] == single["training"]["steps"]
    speed_report.append("  train_s one / two: {:.1f} / {:.1f}".format(
        single["training"]["timing"]["train_s"], parallel["training"]["timing"]["train_s"]))


def test_a_sweep_by_two_workers_vs_one(benchmark, data_dir, tmp_path, speed_report):
    sweep = [sys.executable, "-m", "benchmark", "run", "--tasks", "rte", "--methods", "stl,mtl",
             "--seeds", "1,2,3,4", "--data-dir", str(data_dir), *BUDGET]
    one, two = tmp_path / "one", tmp_path / "two"

    trained: list[int] = []

    def two_workers() -> None:
        output = str(_fresh(two))
        workers = [subprocess.Popen([*sweep, "--output", output], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=_one_thread())
                   for _ in range(2)]
        counts = []
        for worker in workers:
            out, err = worker.communicate()
            assert worker.returncode == 0, err[-3000:]
            counts.append(int(re.search(r"(\d+) run\(s\) trained", out).group(1)))
        trained.append(sum(counts))

    variants = {
        "one": lambda: _check(subprocess.run([*sweep, "--output", str(_fresh(one))],
                                             capture_output=True, text=True)),
        "two": two_workers,
    }
    times = interleaved(benchmark, variants, rounds(2), warmup=0)
    ratios = {"two/one": paired_ratio(times, "two", "one")}
    record(benchmark, speed_report, "sweep of 8, 2 workers", times, ratios)
    by_one, by_two = _records(one), _records(two)
    assert len(by_two) == len(by_one) == 8
    assert set(trained) == {8}, f"runs trained by the two workers, per round: {trained}"
    assert {r["run_id"] for r in by_two} == {r["run_id"] for r in by_one}
    assert not list((two / ".claims").glob("*.claim")), "every claim released"
