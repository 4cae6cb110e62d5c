"""Run specs: the resolved configuration of one run and the id derived from it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmark.training.config import TrainConfig

IDENTITY_PARTS = (
    "method", "method_options", "method_release", "suite", "tasks", "task_specs", "data",
    "backbone", "backbone_weights", "train", "budget", "sampler", "seed", "adapt_from",
)
"""The named parts of a run's identity; a changed part is what a retrain's log names."""

OPTIONAL_IDENTITY_PARTS = ("adapt_from",)
"""Parts present only when set, so that the ids of runs made before they existed stay the same."""

NOT_IDENTITY = ("progress", "state_every_minutes", "state_every_steps")
"""Training settings that do not change what a run computes (progress bars, how often its
resumable state is saved): a run with other values is the same run, with the same id."""

TRAIN_PARTS_WHEN_CHANGED = {"tf32": True, "compile": False, "regression_calibration": True,
                            "dropout_masks": "torch"}
"""Training settings added after runs were recorded: part of the id only when they differ
from these defaults, so that the ids of earlier runs stay the same."""


@dataclass(frozen=True)
class Budget:
    """How much data a run may use; subsets are drawn with the run's seed."""

    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    train_fraction: float = 1.0
    task_train_samples: Mapping[str, int] = field(default_factory=dict)
    """Per-task caps that replace ``max_train_samples`` for the tasks they name (a task that
    needs more examples to learn at all, e.g. CoLA on a small backbone)."""

    def train_cap(self, task: str) -> int | None:
        """The training-example cap of ``task``."""
        return self.task_train_samples.get(task, self.max_train_samples)

    def as_record(self) -> dict[str, Any]:
        """The budget as JSON values; ``task_train_samples`` only when set, so the ids of
        runs without per-task caps are what they were before the setting existed."""
        values = asdict(self)
        if not values["task_train_samples"]:
            del values["task_train_samples"]
        return values


@dataclass(frozen=True)
class RunInputs:
    """Fingerprints of what a run reads, taken in plan so a dry run shows the real ids.

    ``task_specs``: task -> hash of its declaration; ``data``: task -> split -> fingerprint of
    the file or Hub revision it is read from; ``backbone_weights``: the weights' fingerprint;
    ``method_provenance``: the distribution, version and libraries providing the method.
    """

    task_specs: Mapping[str, str]
    data: Mapping[str, Mapping[str, str]]
    backbone_weights: str
    method_provenance: Mapping[str, Any]


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a run's result. Its hash is the run id.

    ``inputs`` is filled by ``benchmark.runs.inputs.with_inputs`` (plan does it for every spec);
    a spec without it has no identity yet.
    """

    method: str
    method_options: dict[str, Any]
    suite: str
    tasks: tuple[str, ...]
    seed: int
    backbone: str
    sampler: str
    budget: Budget
    train: TrainConfig
    skipped_tasks: tuple[tuple[str, str], ...] = field(default=())
    inputs: RunInputs | None = None
    adapt_from: str | None = None
    """A domain-adaptation run: the run id of the finished multi-task run whose kept
    checkpoint it starts from (benchmark/adaptation/); None: from the backbone."""

    def identity(self) -> dict[str, Any]:
        """The parts that define the run, as plain JSON values (``NOT_IDENTITY`` excluded)."""
        if self.inputs is None:
            raise ValueError(
                f"run spec {self.label()} has no input fingerprints; "
                "pass it through benchmark.runs.inputs.with_inputs first"
            )
        train = asdict(self.train)
        for name in NOT_IDENTITY:
            train.pop(name, None)
        for name, default in TRAIN_PARTS_WHEN_CHANGED.items():
            if train.get(name) == default:
                del train[name]
        provenance = self.inputs.method_provenance
        identity = {
            "method": self.method,
            "method_options": self.method_options,
            "method_release": {
                "distribution": provenance.get("distribution"),
                "version": provenance.get("version"),
            },
            "suite": self.suite,
            "tasks": list(self.tasks),
            "task_specs": dict(self.inputs.task_specs),
            "data": {task: dict(splits) for task, splits in self.inputs.data.items()},
            "backbone": self.backbone,
            "backbone_weights": self.inputs.backbone_weights,
            "train": train,
            "budget": self.budget.as_record(),
            "sampler": self.sampler,
            "seed": self.seed,
        }
        if self.adapt_from is not None:  # absent otherwise: earlier ids stay what they were
            identity["adapt_from"] = self.adapt_from
        return json.loads(json.dumps(identity, sort_keys=True, default=str))

    @property
    def run_id(self) -> str:
        return identity_hash(self.identity())

    def label(self) -> str:
        source = f" from={self.adapt_from}" if self.adapt_from else ""
        fraction = self.budget.train_fraction
        share = f" fraction={fraction:g}" if fraction != 1 else ""
        return f"{self.method}{source} seed={self.seed} tasks={','.join(self.tasks)}{share}"


def identity_hash(identity: dict[str, Any]) -> str:
    """The run id of an identity: a canonical JSON hash, so a record's id can be re-checked."""
    blob = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def identity_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between two identities, one entry per part: ``"data: rte/train"``,
    ``"backbone weights"``, ``"train: learning_rate"``."""
    changes = []
    for part in sorted(set(old) | set(new), key=_part_order):
        before, after = old.get(part), new.get(part)
        if before == after:
            continue
        inner = _changed_paths(before, after)
        name = part.replace("_", " ")
        changes.append(f"{name}: {', '.join(inner)}" if inner else name)
    return changes


def _part_order(part: str) -> tuple[int, str]:
    known = IDENTITY_PARTS.index(part) if part in IDENTITY_PARTS else len(IDENTITY_PARTS)
    return known, part


def _changed_paths(before: Any, after: Any) -> list[str]:
    """Slash-joined keys under which two nested mappings differ; [] for plain values."""
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return []
    paths = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        inner = _changed_paths(before.get(key), after.get(key))
        if inner:
            paths.extend(f"{key}/{path}" for path in inner)
        else:
            paths.append(str(key))
    return paths
