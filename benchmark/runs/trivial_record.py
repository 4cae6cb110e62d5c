"""The trivial predictor of each trained task, fixed at training time and kept in the record.

A score means something only beside the score of a predictor that learned nothing: the
training set's majority class (the training mean for regression). The report needs the
training labels to form it, and the record does not keep them, so the run records the
constant itself; the report scores it on the same evaluation examples as every method
(``reports.evidence``). Rules: docs/reports.md, "Intervals and verdicts".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmark.runs.prepare import TaskData
from benchmark.stats.trivial import majority_class, training_mean

PREDICTORS = {"regression": "training mean"}
DEFAULT_PREDICTOR = "majority class"


def _labels(data: TaskData) -> list[Any]:
    return [e.label for e in data.train_examples
            if isinstance(e.label, int | float) and not isinstance(e.label, bool)]


def trivial_baselines(data: Sequence[TaskData]) -> dict[str, dict[str, Any]]:
    """task -> {"predictor", "value", "train_examples"}: the constant prediction formed from
    the examples that trained (after the selection slice was held out). Tasks whose labels
    are not plain numbers (ReCoRD's entity strings) have none."""
    found = {}
    for item in data:
        labels = _labels(item)
        if not labels:
            continue
        task_type = item.task.task_type
        value = training_mean(labels) if task_type == "regression" else majority_class(labels)
        found[item.task.name] = {
            "predictor": PREDICTORS.get(task_type, DEFAULT_PREDICTOR),
            "value": value,
            "train_examples": len(labels),
        }
    return found
