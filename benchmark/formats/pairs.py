"""``axg``: AX-g's Winogender minimal pairs, scored by gender parity and accuracy.

Consecutive examples (2k, 2k+1) differ only in the pronoun's gender, as the official
scorer pairs them; ``group`` = ``pair-k``. Parity is the share of pairs whose two
predictions agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext
from benchmark.formats.base import TaskFormat, label_indices
from benchmark.formats.fields import read_fields
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from benchmark.tasks.spec import TaskSpec


@register_format
class MinimalPairsFormat(TaskFormat):
    """One row per record like ``fields``, consecutive rows grouped into pairs."""

    name = "axg"
    description = "AX-g: minimal pairs of consecutive rows; gender parity and accuracy"
    task_types = ("classification",)
    metrics = frozenset({"gender_parity", "accuracy"})

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        (example,) = read_fields(record, ctx)
        return [Example(example.uid, example.texts, None, example.label,
                        f"pair-{ctx.position // 2}",
                        {**example.meta, "hypothesis": example.texts[1] if example.texts else ""})]

    def grouped(self, task: TaskSpec) -> bool:
        return "gender_parity" in task.metrics

    def resampled_metrics(self, task: TaskSpec) -> tuple[Any, ...]:
        """Per minimal pair: whether both get one prediction (parity), and its examples'
        right predictions and count (accuracy); the bootstrap resamples whole pairs."""
        if not self.grouped(task):
            return super().resampled_metrics(task)
        from benchmark.stats.units import mean_metric, ratio_metric

        def same(pred: Sequence[int], gold: Sequence[int]) -> float:
            return float(len({int(p) for p in pred}) == 1)

        def right(pred: Sequence[int], gold: Sequence[int]) -> tuple[float, float]:
            return sum(int(p) == int(g) for p, g in zip(pred, gold, strict=True)), len(gold)

        available = {"gender_parity": mean_metric("gender_parity", same),
                     "accuracy": ratio_metric("accuracy", right)}
        return tuple(available[m] for m in task.metrics)

    def metric_value(self, task: TaskSpec, name: str, predictions: Sequence[Any],
                     references: Sequence[Any], groups: Sequence[Any] | None) -> float:
        if name != "gender_parity":
            return super().metric_value(task, name, predictions, references, groups)
        from benchmark.metrics.functions import gender_parity

        if groups is None:
            raise ValueError("gender parity needs groups (pair ids)")
        return float(gender_parity(label_indices(predictions, "predictions"), groups))
