"""Result records on disk: one JSON per run, written atomically, never half-written."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from benchmark.errors import BenchmarkError


def record_path(output: Path, run_id: str) -> Path:
    return Path(output) / f"{run_id}.json"


def write_record_atomically(path: Path, record: dict) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    A run killed mid-write leaves either the old file or none, never a torn one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2, sort_keys=True, allow_nan=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def finished_record(output: Path, run_id: str) -> dict | None:
    """The record of a finished run, or None if the run has not finished."""
    path = record_path(output, run_id)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchmarkError(
            f"{path} is not valid JSON ({exc}); move it aside or rerun with --overwrite"
        ) from exc
