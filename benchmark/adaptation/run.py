"""What the run executor asks of an adaptation run: its starting model and its record entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.adaptation.model import adapted_model
from benchmark.adaptation.source import read_source
from benchmark.methods.interface import Method
from benchmark.runs.prepare import TaskData
from benchmark.runs.spec import RunSpec
from benchmark.tasks.spec import TaskSpec
from benchmark.training.heads import MultiTaskModel


def adaptation_start(spec: RunSpec, output: Path, method: Method,
                     tasks: Sequence[TaskSpec]) -> MultiTaskModel:
    """The source run's model extended by ``tasks`` (checked again: the checkpoint may have
    changed since the run was planned)."""
    assert spec.adapt_from is not None
    return adapted_model(read_source(output, spec.adapt_from), method, tasks,
                         spec.train.max_length)


def adaptation_record(spec: RunSpec, data: Sequence[TaskData]) -> dict[str, Any]:
    """The record's ``adaptation``: where the model came from and how much data adapted it."""
    return {
        "source_run": spec.adapt_from,
        "fraction": spec.budget.train_fraction,
        "train_examples": {d.task.name: len(d.train_examples) for d in data},
    }
