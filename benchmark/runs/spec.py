"""Run specs: the resolved configuration of one run and the id derived from it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmark.training.config import TrainConfig


@dataclass(frozen=True)
class Budget:
    """How much data a run may use; subsets are drawn with the run's seed."""

    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    train_fraction: float = 1.0


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a run's result. Its hash is the run id."""

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

    def identity(self) -> dict[str, Any]:
        """The fields that define the run (progress bars and similar excluded)."""
        train = asdict(self.train)
        train.pop("progress", None)
        return {
            "method": self.method,
            "method_options": self.method_options,
            "suite": self.suite,
            "tasks": list(self.tasks),
            "seed": self.seed,
            "backbone": self.backbone,
            "sampler": self.sampler,
            "budget": asdict(self.budget),
            "train": train,
        }

    @property
    def run_id(self) -> str:
        return identity_hash(self.identity())

    def label(self) -> str:
        return f"{self.method} seed={self.seed} tasks={','.join(self.tasks)}"


def identity_hash(identity: dict[str, Any]) -> str:
    """The run id of an identity: a canonical JSON hash, so a record's id can be re-checked."""
    blob = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
