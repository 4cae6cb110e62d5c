"""Parameter accounting with one definition for every method.

Definitions (docs/results.md): ``trainable`` = parameters that receive gradients
(``requires_grad``); ``frozen`` = parameters kept at their pretrained values, one copy of
which serves every task (``frozen_shared``); ``to_serve = frozen + trainable`` = what must be
stored to serve all tasks; ``trained_per_task = trainable / T``; ``task_specific[i]`` =
parameters that serve task i only; ``shared = total - sum(task_specific)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from torch import nn


@dataclass(frozen=True)
class ParameterCounts:
    """Counts of one model (or, via ``combine``, of every model a method trains)."""

    total: int
    trainable: int
    frozen: int
    shared: int
    task_specific: tuple[int, ...]
    to_serve: int
    num_tasks: int

    @property
    def frozen_shared(self) -> int:
        return self.frozen

    @property
    def trained_per_task(self) -> float:
        return self.trainable / self.num_tasks

    def as_dict(self) -> dict:
        data = asdict(self)
        data["task_specific"] = list(self.task_specific)
        data["trained_per_task"] = self.trained_per_task
        return data

    @staticmethod
    def combine(parts: Sequence[ParameterCounts]) -> ParameterCounts:
        """Several models of one method (e.g. one per task) that share one frozen backbone."""
        frozen = max(part.frozen for part in parts)
        trainable = sum(part.trainable for part in parts)
        task_specific = tuple(n for part in parts for n in part.task_specific)
        return ParameterCounts(
            total=frozen + trainable,
            trainable=trainable,
            frozen=frozen,
            shared=frozen + trainable - sum(task_specific),
            task_specific=task_specific,
            to_serve=frozen + trainable,
            num_tasks=sum(part.num_tasks for part in parts),
        )


def _unique(parameters: Iterable[nn.Parameter]) -> list[nn.Parameter]:
    seen: dict[int, nn.Parameter] = {}
    for parameter in parameters:
        seen.setdefault(id(parameter), parameter)
    return list(seen.values())


def count_parameters(
    model: nn.Module, num_tasks: int, task_specific: Sequence[int] | None = None
) -> ParameterCounts:
    """Count ``model`` by ``requires_grad``; tied parameters count once.

    ``task_specific`` defaults to ``model.task_specific_parameter_count(i)`` when the model
    has that method, else to zeros.
    """
    if num_tasks < 1:
        raise ValueError(f"num_tasks must be >= 1, got {num_tasks}")
    parameters = _unique(model.parameters())
    total = sum(p.numel() for p in parameters)
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    if task_specific is None:
        counter = getattr(model, "task_specific_parameter_count", None)
        task_specific = [counter(i) if counter else 0 for i in range(num_tasks)]
    if len(task_specific) != num_tasks:
        raise ValueError(f"{len(task_specific)} task-specific counts for {num_tasks} tasks")
    return ParameterCounts(
        total=total,
        trainable=trainable,
        frozen=total - trainable,
        shared=total - sum(task_specific),
        task_specific=tuple(int(n) for n in task_specific),
        to_serve=total,
        num_tasks=num_tasks,
    )
