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

import numpy as np

from benchmark.errors import BenchmarkError
from benchmark.runs.prepare import TaskData
from benchmark.stats import task_eval
from benchmark.stats.trivial import majority_class, training_mean


def _labels(data: TaskData) -> list[Any]:
    return [e.label for e in data.train_examples
            if isinstance(e.label, int | float) and not isinstance(e.label, bool)]


def _score(item: TaskData, value: float) -> float | None:
    """The constant's main score (0..100) on the task's evaluation examples, as the report
    scores it (``benchmark.stats``, whole groups where the task resamples groups); None
    where the split has no labels or no resampled form of its metrics."""
    gold = [e.label for s in item.eval_sets for e in s.examples]
    if not gold or any(g is None for g in gold):
        return None
    sizes = [len(s.examples) for s in item.eval_sets]
    groups = [e.group for s in item.eval_sets for e in s.examples]
    try:
        evaluation = task_eval(item.task, np.asarray(gold), sizes if len(sizes) > 1 else (),
                               groups)
    except BenchmarkError:
        return None
    return float(evaluation.score(np.full(len(gold), value))[0])


def trivial_baselines(data: Sequence[TaskData]) -> dict[str, dict[str, Any]]:
    """task -> {"predictor", "value", "train_examples", "score"}: the constant prediction
    formed from the examples that trained (after the selection slice was held out), and its
    score on the evaluation examples. Tasks whose format names no constant predictor
    (ReCoRD: ``TaskFormat.trivial_predictor``) have none."""
    found = {}
    for item in data:
        labels = _labels(item)
        predictor = item.task.task_format.trivial_predictor(item.task)
        if not labels or predictor is None:
            continue
        value = training_mean(labels) if predictor == "training mean" else majority_class(labels)
        found[item.task.name] = {
            "predictor": predictor,
            "value": value,
            "train_examples": len(labels),
            "score": _score(item, value),
        }
    return found
