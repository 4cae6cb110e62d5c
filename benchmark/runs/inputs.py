"""Fingerprint what a run reads (task declarations, data, backbone weights, method release).

Done in plan, before any training, so the run id of a dry run is the real one and a
changed input is a new run. File hashes are cached per process on (path, size, mtime),
so a suite's many specs hash each file once.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from benchmark.data.loading import resolve_data_dir, split_fingerprint
from benchmark.errors import BenchmarkError, UnknownNameError
from benchmark.methods.registry import method_provenance
from benchmark.runs.backbone_fingerprint import backbone_fingerprint
from benchmark.runs.extras import diagnostic_tasks
from benchmark.runs.spec import RunInputs, RunSpec
from benchmark.tasks.registry import get_task
from benchmark.tasks.spec import TaskSpec
from camtl.backbones import resolve_backbone

UNREGISTERED = {"distribution": "unregistered", "version": "unknown", "dependencies": {}}
"""Provenance of a method class used directly (tests), not through an entry point."""


def splits_read(task: TaskSpec) -> tuple[str, ...]:
    """The splits a run reads for ``task``: training and evaluation (tests only for --predict-test,
    which writes files and changes no recorded number)."""
    if task.is_diagnostic:
        return task.eval_splits
    return ("train", *task.eval_splits)


def data_fingerprints(
    tasks: list[TaskSpec], data_dir: Path | None
) -> dict[str, dict[str, str]]:
    """task -> split -> what it is read from (see ``split_fingerprint``)."""
    return {
        task.name: {split: split_fingerprint(task, split, data_dir) for split in splits_read(task)}
        for task in tasks
    }


def provenance_of(method: str) -> dict[str, Any]:
    """``method_provenance``, or ``UNREGISTERED`` for a class that no entry point provides."""
    try:
        return method_provenance(method)
    except UnknownNameError:
        return dict(UNREGISTERED)


def _tasks_read(spec: RunSpec) -> list[TaskSpec]:
    """The tasks a run reads: those it trains and its suite's scored diagnostics."""
    return [get_task(name) for name in spec.tasks] + diagnostic_tasks(spec.suite, spec.tasks)


def with_inputs(spec: RunSpec, data_dir: str | Path | None) -> RunSpec:
    """``spec`` with its inputs fingerprinted against ``data_dir`` (resolved as `run` does)."""
    root = resolve_data_dir(str(data_dir) if data_dir is not None else None)
    read = _tasks_read(spec)
    inputs = RunInputs(
        task_specs={task.name: task.definition_hash() for task in read},
        data=data_fingerprints(read, root),
        backbone_weights=backbone_fingerprint(resolve_backbone(spec.backbone)),
        method_provenance=provenance_of(spec.method),
    )
    return dataclasses.replace(spec, inputs=inputs)


def check_data_unchanged(spec: RunSpec, data_dir: Path | None) -> None:
    """Refuse to train on data files that changed since ``spec`` was planned: its run id and
    record would name data it did not train on (a long sweep reads its last run's files
    hours after planning). Cheap: unchanged files hit the hash cache."""
    if spec.inputs is None:
        return
    now = data_fingerprints(_tasks_read(spec), data_dir)
    changed = [f"{task}/{split}" for task, splits in spec.inputs.data.items()
               for split, planned in splits.items() if now.get(task, {}).get(split) != planned]
    if changed:
        raise BenchmarkError(
            f"run {spec.run_id}: {', '.join(changed)} changed after the sweep was planned, so "
            f"its record would name data it did not train on; run the command again (it "
            f"plans with the files as they are now, and keeps the finished records)")
