"""The finished multi-task run an adaptation starts from: its record and kept checkpoint.

Everything is checked before any training: the record exists and is valid, it is one joint
model (a per-task method has no shared model to adapt), its checkpoint was kept
(``run --keep-checkpoint``) and is the one the record describes (size and sha256).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.methods.registry import get_method
from benchmark.results.store import record_path
from benchmark.results.validate import read_record

CHECKPOINTS = "checkpoints"
"""``<results>/checkpoints/<run_id>/``: the kept checkpoints of a results folder."""


def checkpoint_folder(output: Path, run_id: str) -> Path:
    return Path(output) / CHECKPOINTS / run_id


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class SourceRun:
    """What an adaptation needs of its source run."""

    run_id: str
    method: str
    method_options: dict[str, Any]
    backbone: str
    tasks: tuple[str, ...]
    weights: Path
    """The checkpoint's safetensors file."""


def read_source(output: Path, run_id: str) -> SourceRun:
    """The source run ``run_id`` of ``output``, or a BenchmarkError saying what to do."""
    path = record_path(Path(output), run_id)
    if not path.exists():
        raise BenchmarkError(
            f"--from {run_id}: no record {path}; name a finished multi-task run of this "
            "results folder (its id is the record's file name; `list runs` shows them)")
    reading = read_record(path)
    if reading.record is None:
        raise BenchmarkError(f"--from {run_id}: {path} is not a valid record "
                             f"({'; '.join(reading.problems[:2])})")
    record = reading.record
    if record.get("adaptation"):
        raise BenchmarkError(f"--from {run_id}: that run is itself an adaptation; adapt from "
                             "the multi-task run it came from")
    if not get_method(record["method"]).joint:
        raise BenchmarkError(
            f"--from {run_id}: {record['method']} trains one model per task, so there is no "
            "multi-task model to adapt; name a camtl or mtl run (stl is the reference row: "
            "--methods stl)")
    kept = record.get("checkpoint")
    if not kept:
        raise BenchmarkError(
            f"--from {run_id}: the run kept no checkpoint; train it again with "
            "--keep-checkpoint --overwrite (same command otherwise)")
    weights = Path(output) / kept["folder"] / kept["files"][0]["name"]
    if not weights.exists():
        raise BenchmarkError(f"--from {run_id}: its checkpoint {weights} is missing; train it "
                             "again with --keep-checkpoint --overwrite")
    if weights.stat().st_size != kept["files"][0]["bytes"] or \
            file_sha256(weights) != kept["files"][0]["sha256"]:
        raise BenchmarkError(
            f"--from {run_id}: {weights} is not the checkpoint its record describes (size or "
            "sha256 differ): it was changed after the run; train it again with "
            "--keep-checkpoint --overwrite")
    return SourceRun(run_id, record["method"], dict(record.get("method_options") or {}),
                     record["backbone"]["name"], tuple(record["tasks"]), weights)
