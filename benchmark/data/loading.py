"""Find a task's data (local folder or pinned Hub copy), load it, and fingerprint it.

Resolution order for the data folder: ``--data-dir``, then ``$CAMTL_BENCH_DATA``,
then ``./data``, then ``../shared/data`` beside the repository or the working
directory; with none of these the Hub is used. A task whose folder is absent from
the data folder falls back to the Hub too (when online use is allowed); a task
whose folder exists but lacks a split file is an error, so sources never mix.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from benchmark.data.examples import Example
from benchmark.data.files import read_rows
from benchmark.data.hub import (
    OFFLINE_VARIABLES,
    hub_allowed,
    hub_endpoint,
    hub_location,
    hub_reachable,
    iter_hub_records,
)
from benchmark.data.readers import RowContext
from benchmark.errors import BenchmarkError, MissingDataError
from benchmark.formats.registry import format_of
from benchmark.tasks.spec import TaskSpec

log = logging.getLogger(__name__)

DATA_ENV = "CAMTL_BENCH_DATA"
REPO_ROOT = Path(__file__).resolve().parents[2]

FIX_HINT = (
    "To fix: pass --data-dir DIR (or set CAMTL_BENCH_DATA=DIR) where DIR holds "
    "glue_data/<Task>/*.tsv and superglue/<Task>/*.jsonl as the official downloads "
    "unpack; or go online so the pinned Hugging Face Hub copies can be fetched; or "
    "pass --skip-unavailable to run without these tasks."
)


def resolve_data_dir(cli_value: str | None) -> Path | None:
    """The data folder to use, or None for the Hub (see the module docstring)."""
    for value, origin in ((cli_value, "--data-dir"), (os.environ.get(DATA_ENV), DATA_ENV)):
        if value:
            path = Path(value).expanduser()
            if not path.is_dir():
                raise MissingDataError(
                    f"data directory {path} (from {origin}) does not exist or is not a "
                    f"folder. {FIX_HINT}"
                )
            return path.resolve()
    candidates = [Path.cwd() / "data", REPO_ROOT.parent / "shared" / "data",
                  Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    return None


def local_file(task: TaskSpec, split: str, data_dir: Path | None) -> Path | None:
    """Where the split's file would be; None if the task has no local source to look in."""
    if task.local is None or split not in task.local.files:
        return None
    folder = Path(task.local.folder).expanduser()
    if not folder.is_absolute():
        if data_dir is None:
            return None
        folder = data_dir / folder
    return folder / task.local.files[split]


def _source(task: TaskSpec, split: str, data_dir: Path | None, allow_hub: bool
            ) -> tuple[str, Path | None]:
    """("local", path), ("hub", None) or ("missing", path-or-None)."""
    path = local_file(task, split, data_dir)
    if path is not None and path.is_file():
        return "local", path
    folder_absent = path is None or not path.parent.is_dir()
    if folder_absent and allow_hub and task.hub is not None and split in task.hub.splits:
        return "hub", None
    return "missing", path


def uses_train_fallback(task: TaskSpec, data_dir: Path | None) -> bool:
    """Whether ``task`` trains on part of another split (``TaskSpec.train_fallback``): its
    train file is absent, the Hub copy is off, unreachable or not offered, and the source
    split's file is here. Planning and preparing ask this same question."""
    fallback = task.train_fallback
    if fallback is None:
        return False
    kind, _ = _source(task, "train", data_dir, hub_allowed())
    if kind == "local" or (kind == "hub" and hub_reachable()):
        return False
    return _source(task, fallback.source, data_dir, False)[0] == "local"


def _where(task: TaskSpec, split: str, path: Path | None, hub_state: str) -> str:
    places = [str(path)] if path is not None else []
    if path is None and task.local is not None and not Path(task.local.folder).is_absolute():
        places.append(f"<data dir>/{task.local.folder}/{task.local.files.get(split, '?')} "
                      "(no data directory found)")
    if task.hub is not None and split in task.hub.splits:
        if path is not None and path.parent.is_dir():
            hub_state = "not tried: a local folder for the task exists"
        places.append(f"{hub_location(task, split)} ({hub_state})")
    return "; ".join(places) or "nowhere: the task declares no source for this split"


def _hub_state(allow_hub: bool, reachable: bool | None = None) -> str:
    if not hub_allowed():
        return f"not tried: offline (one of {', '.join(OFFLINE_VARIABLES)} is set)"
    if not allow_hub:
        return "not tried: Hub access is off"
    if reachable is False:
        return f"not reachable: no answer from {hub_endpoint()}"
    return "failed"


def missing_splits(
    tasks: Sequence[TaskSpec],
    splits: Sequence[str],
    data_dir: Path | None,
    *,
    allow_hub: bool = True,
) -> list[tuple[str, str, str]]:
    """(task, split, where looked) for each wanted split that cannot be loaded.

    Splits a task does not have (``train`` of a diagnostic) are not wanted. A split
    the loader would fetch from the Hub counts as available when ``allow_hub``, no
    offline variable is set and the Hub answers one short probe (made only if some
    split needs it).
    """
    missing = []
    needs_hub = []
    for task in tasks:
        for split in splits:
            if split not in task.splits:
                continue
            if split == "train" and uses_train_fallback(task, data_dir):
                continue
            kind, path = _source(task, split, data_dir, allow_hub and hub_allowed())
            if kind == "missing":
                missing.append((task.name, split, _where(task, split, path,
                                                         _hub_state(allow_hub))))
            elif kind == "hub":
                needs_hub.append((task, split))
    if needs_hub and not hub_reachable():
        state = _hub_state(allow_hub, reachable=False)
        missing += [(t.name, s, _where(t, s, local_file(t, s, data_dir), state))
                    for t, s in needs_hub]
    return missing


def missing_data_error(missing: Sequence[tuple[str, str, str]]) -> MissingDataError:
    """One error listing every missing split, where it was looked for, and the fixes."""
    lines = [f"  {task} {split}: looked in {where}" for task, split, where in missing]
    return MissingDataError(
        f"data not found for {len(missing)} task split(s):\n" + "\n".join(lines) + "\n" + FIX_HINT
    )


def load_split(
    task: TaskSpec, split: str, data_dir: Path | None, *, allow_hub: bool = True
) -> list[Example]:
    """Every example of one split, from the local file or else the pinned Hub copy."""
    return load_split_counted(task, split, data_dir, allow_hub=allow_hub)[0]


def load_split_counted(
    task: TaskSpec, split: str, data_dir: Path | None, *, allow_hub: bool = True
) -> tuple[list[Example], dict[str, int]]:
    """``load_split`` and what the task's format counted while reading (rows it dropped:
    SNLI's no-majority rows, ReCoRD's queries without a gold candidate), for a record."""
    if split not in task.splits:
        raise MissingDataError(
            f"task {task.name!r} has no split {split!r} (its splits: {', '.join(task.splits)})"
        )
    fmt = format_of(task)  # an unknown format fails here, before any file is read
    allow_hub = allow_hub and hub_allowed()
    kind, path = _source(task, split, data_dir, allow_hub)
    if kind == "missing":
        raise missing_data_error([(task.name, split,
                                   _where(task, split, path, _hub_state(allow_hub)))])
    stats: dict[str, int] = {}
    examples: list[Example] = []
    if kind == "local":
        assert path is not None and task.local is not None
        columns = task.local.columns.get(split) or task.local.columns.get("*")
        rows = read_rows(path, task.local.format, task.local.header, columns)
        for position, (line, record) in enumerate(rows):
            ctx = RowContext(task, split, str(path), line, position, stats)
            examples.extend(fmt.read(record, ctx))
    else:
        where = hub_location(task, split)
        try:
            records = list(iter_hub_records(task, split))
        except BenchmarkError:
            raise
        except Exception as exc:  # network, missing cache, datasets errors
            raise missing_data_error(
                [(task.name, split, f"{where}: {type(exc).__name__}: {str(exc)[:300]}")]
            ) from exc
        for position, record in enumerate(records):
            ctx = RowContext(task, split, where, position + 1, position, stats)
            examples.extend(fmt.read(record, ctx))
    fmt.report(task, split, stats)
    log.debug("%s %s: %d examples from %s", task.name, split, len(examples),
              path if kind == "local" else "the Hub")
    return examples, dict(stats)


_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, memoised on (path, size, mtime) within the process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def split_fingerprint(task: TaskSpec, split: str, data_dir: Path | None) -> str:
    """What one split is read from, for the run id: ``sha256:<hex>`` of the local file,
    ``hf:<dataset>@<revision>/<split>`` for the pinned Hub copy, ``missing`` for neither.

    Resolved as ``load_split`` resolves it, so the id names the data training will read; a
    ``train_fallback`` train split is ``part-of:<source>:<its fingerprint>``.
    """
    if split == "train" and uses_train_fallback(task, data_dir):
        assert task.train_fallback is not None
        source = task.train_fallback.source
        return f"part-of:{source}:" + split_fingerprint(task, source, data_dir)
    kind, path = _source(task, split, data_dir, allow_hub=hub_allowed())
    if kind == "local" and path is not None:
        return "sha256:" + file_sha256(path)
    if kind == "hub" and task.hub is not None:
        hub = task.hub
        name = f"/{hub.name}" if hub.name else ""
        return f"hf:{hub.path}{name}@{hub.revision}/{hub.splits[split]}"
    return "missing"


def data_file_hashes(tasks: Sequence[TaskSpec], data_dir: Path | None) -> dict[str, str]:
    """{path relative to the data folder (absolute outside it): sha256} of local files.

    Splits read from the Hub appear as ``hf://...`` keys with the pinned revision as
    value, so the manifest says exactly what data a run saw.
    """
    hashes: dict[str, str] = {}
    for task in tasks:
        for split in task.splits:
            kind, path = _source(task, split, data_dir, allow_hub=True)
            if kind == "local" and path is not None:
                try:
                    key = path.resolve().relative_to(data_dir.resolve()).as_posix() \
                        if data_dir else str(path)
                except ValueError:
                    key = str(path.resolve())
                hashes[key] = file_sha256(path)
            elif kind == "hub" and task.hub is not None:
                hashes[hub_location(task, split)] = task.hub.revision
    return dict(sorted(hashes.items()))
