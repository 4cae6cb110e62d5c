"""Per-example predictions of a run's selected evaluation, in a file beside its record.

Paired comparisons (``benchmark.stats``) and error analysis need every example's prediction,
not only the metrics; this file keeps them so that no run has to be repeated. One gzipped
JSON line per evaluated example (docs/results.md, "Per-example predictions"): readable with
the standard library alone, no torch or numpy pickles, and byte-for-byte the same for the
same predictions (gzip ``mtime=0``), so its sha256 in the record is reproducible.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.atomic import atomic_write_bytes
from benchmark.errors import BenchmarkError

FORMAT = "jsonl.gz/1"
"""The ``format`` the record names: gzipped JSON lines, row layout version 1."""

SUFFIX = ".predictions.jsonl.gz"


@dataclass(frozen=True)
class SplitPredictions:
    """One evaluated split of one task, one entry per example in the split's order.

    ``predictions`` and ``gold`` are what the task's metric consumes: the class index, the
    regression value or the chosen candidate's index; for ReCoRD the chosen entity string
    and the list of gold answers. ``groups`` ties examples scored together (a MultiRC
    question, a ReCoRD query, an AX-g pair); None when the task has none.
    """

    task: str
    split: str
    uids: tuple[str, ...]
    predictions: np.ndarray
    gold: np.ndarray
    groups: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.uids)


@dataclass(frozen=True)
class TaskPredictions:
    """A task's splits concatenated in file order: what ``benchmark.stats.task_eval`` takes
    (``gold``, ``split_sizes``) and what ``TaskEval.score`` scores (``predictions``)."""

    predictions: np.ndarray
    gold: np.ndarray
    split_sizes: tuple[int, ...]
    groups: tuple[str, ...] | None = None
    """Each example's group (the bootstrap's unit where the task resamples groups); None
    when a split has none."""


@dataclass(frozen=True)
class PredictionsFile:
    """The encoded file of one run, ready to be written and described in its record."""

    data: bytes
    rows: int

    def field(self, run_id: str) -> dict[str, Any]:
        """The record's ``example_predictions`` entry for this file."""
        return {"file": file_name(run_id), "sha256": hashlib.sha256(self.data).hexdigest(),
                "rows": self.rows, "format": FORMAT}


def file_name(run_id: str) -> str:
    """``<run_id>.predictions.jsonl.gz``: the file sits beside ``<run_id>.json``."""
    return run_id + SUFFIX


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON values (ints stay ints, floats round-trip exactly)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def encode(splits: Iterable[SplitPredictions]) -> PredictionsFile:
    """One JSON line per example: task, split, index, uid, prediction, gold (and group)."""
    lines: list[str] = []
    for part in splits:
        for index, uid in enumerate(part.uids):
            row: dict[str, Any] = {
                "task": part.task, "split": part.split, "index": index, "uid": uid,
                "prediction": _plain(part.predictions[index]), "gold": _plain(part.gold[index]),
            }
            if part.groups is not None:
                row["group"] = part.groups[index]
            lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    text = "".join(line + "\n" for line in lines)
    return PredictionsFile(gzip.compress(text.encode("utf-8"), mtime=0), len(lines))


def write(results_dir: str | Path, run_id: str, payload: PredictionsFile) -> Path:
    """Write the file atomically beside the record (before it: a record never names a
    file that is not there)."""
    return atomic_write_bytes(Path(results_dir) / file_name(run_id), payload.data)


def _column(values: list[Any]) -> np.ndarray:
    """ints, floats, or (ReCoRD's strings and answer lists) an object array."""
    if values and all(isinstance(v, bool | int | float) for v in values):
        return np.asarray(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def decode(data: bytes, path: Path) -> list[SplitPredictions]:
    """The splits ``encode`` wrote (``path``: where the bytes came from, for errors)."""
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise BenchmarkError(f"{path}: not a gzipped UTF-8 predictions file ({exc})") from exc
    parts: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        try:
            row = json.loads(line)
            key = (row["task"], row["split"])
            columns = parts.setdefault(key, {"uid": [], "prediction": [], "gold": [],
                                             "group": []})
            for name in ("uid", "prediction", "gold"):
                columns[name].append(row[name])
            columns["group"].append(row.get("group"))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BenchmarkError(f"{path}:{number}: not a predictions row ({exc}); the file "
                                 "was edited after the run") from exc
    return [
        SplitPredictions(
            task, split, tuple(c["uid"]), _column(c["prediction"]), _column(c["gold"]),
            None if all(g is None for g in c["group"]) else tuple(c["group"]),
        )
        for (task, split), c in parts.items()
    ]


_WAY_OUT = "rerun the run with --overwrite to write it again"


def load_example_predictions(
    record: Mapping[str, Any], results_dir: str | Path
) -> dict[tuple[str, str], SplitPredictions]:
    """The predictions a record names, per (task, split), in the examples' order.

    The file's sha256 and row count must be the record's: a missing, truncated or edited
    file raises a BenchmarkError naming it, so no statistic is computed from other numbers
    than the run's.
    """
    entry = record.get("example_predictions")
    run_id = record.get("run_id", "?")
    if not isinstance(entry, Mapping):
        raise BenchmarkError(f"record {run_id} names no per-example predictions file (it was "
                             f"written before they were kept); {_WAY_OUT}")
    if entry.get("format") != FORMAT:
        raise BenchmarkError(f"record {run_id}: predictions format {entry.get('format')!r} is "
                             f"not {FORMAT!r}, the one this camtl-bench reads; upgrade it")
    path = Path(results_dir) / str(entry["file"])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BenchmarkError(f"{path}: the per-example predictions of record {run_id} are "
                             f"missing; copy them beside the record, or {_WAY_OUT}") from None
    except OSError as exc:
        raise BenchmarkError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise BenchmarkError(f"{path}: sha256 {digest[:12]}… is not the {entry['sha256'][:12]}… "
                             f"record {run_id} wrote; the file was changed or truncated after "
                             f"the run: {_WAY_OUT}")
    splits = decode(data, path)
    rows = sum(len(s) for s in splits)
    if rows != entry["rows"]:
        raise BenchmarkError(f"{path}: {rows} rows, but record {run_id} says {entry['rows']}; "
                             f"{_WAY_OUT}")
    return {(s.task, s.split): s for s in splits}


def task_predictions(
    loaded: Mapping[tuple[str, str], SplitPredictions], task: str,
    splits: Sequence[str] | None = None,
) -> TaskPredictions:
    """A task's splits (default: all, in file order) concatenated for ``benchmark.stats``."""
    names = list(splits) if splits is not None else [s for t, s in loaded if t == task]
    missing = [s for s in names if (task, s) not in loaded]
    if not names or missing:
        known = ", ".join(f"{t}/{s}" for t, s in loaded)
        raise BenchmarkError(f"no predictions for {task}/{', '.join(missing) or '*'} in this "
                             f"file (it holds {known})")
    parts = [loaded[(task, s)] for s in names]
    grouped = all(p.groups is not None for p in parts)
    return TaskPredictions(
        np.concatenate([p.predictions for p in parts]),
        np.concatenate([p.gold for p in parts]),
        tuple(len(p) for p in parts),
        tuple(g for p in parts for g in p.groups) if grouped else None,  # type: ignore[union-attr]
    )
