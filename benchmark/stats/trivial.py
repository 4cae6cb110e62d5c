"""Trivial predictors: the score a method must beat before its numbers say anything.

A method that scores no better than always predicting the training set's majority
class (or, for regression, its mean value) has not learned the task at this budget,
and a comparison between such methods compares noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from benchmark.errors import BenchmarkError
from benchmark.stats.bootstrap import DEFAULT_RESAMPLES, Interval, bootstrap_score
from benchmark.stats.metrics import TaskEval


def majority_class(train_labels: Sequence[Any] | np.ndarray) -> Any:
    """The most frequent training label; a tie goes to the smallest label (sorted order),
    so the baseline does not depend on the order of the training file."""
    values, counts = np.unique(np.asarray(train_labels), return_counts=True)
    if not len(values):
        raise BenchmarkError("no training labels to find the majority class of; give the "
                             "task's training labels")
    return values[int(np.argmax(counts))].item()  # np.unique sorts; argmax takes the first


def training_mean(train_labels: Sequence[float] | np.ndarray) -> float:
    """The mean training value: the trivial predictor of a regression task."""
    values = np.asarray(train_labels, dtype=np.float64)
    if not len(values) or not np.isfinite(values).all():
        raise BenchmarkError("the training values are empty or hold NaN; give the task's "
                             "labelled training values")
    return float(values.mean())


def trivial_predictions(task_type: str, train_labels: Sequence[Any] | np.ndarray,
                        n_examples: int) -> np.ndarray:
    """The constant prediction for ``n_examples`` evaluation examples: the training mean
    for ``"regression"``, the majority class for any other task type."""
    if task_type == "regression":
        return np.full(n_examples, training_mean(train_labels))
    return np.full(n_examples, majority_class(train_labels))


def trivial_baseline(task: TaskEval, task_type: str, train_labels: Sequence[Any] | np.ndarray,
                     *, n_resamples: int = DEFAULT_RESAMPLES, level: float = 0.95,
                     seed: int = 0) -> Interval:
    """The trivial predictor's score on the task's evaluation examples, with an interval
    from resampling those examples (it has no seeds)."""
    predictions = trivial_predictions(task_type, train_labels, len(task.gold))
    scored = bootstrap_score({"trivial": {"baseline": predictions}}, {"baseline": task},
                             n_resamples=n_resamples, level=level, seed=seed, name="trivial")
    return replace(scored, per_task={})


def at_baseline(gain: Interval) -> bool:
    """True when the paired gain over the trivial predictor (method − trivial, both scored
    on the same resampled seeds and examples) is not above 0: its interval's lower end is
    at or below 0.

    Paired, not a point score against the baseline's interval: the trivial MCC and Pearson
    are exactly 0 on every resample (a zero-width interval), so any positive point score
    would count as learning, a guesser's 0.9 MCC included. And not the method's interval
    against the baseline's: two overlapping intervals can still hide a clear paired gain,
    because both are scored on the same examples.
    """
    return gain.low <= 0


def baseline_flags(gain: Interval, tasks: Sequence[str]) -> dict[str, bool]:
    """``at_baseline`` per task, from a paired gain interval whose ``per_task`` has every
    one of ``tasks``."""
    missing = [t for t in tasks if t not in gain.per_task]
    if missing:
        raise BenchmarkError(f"the gain interval has no score for {', '.join(missing)}; "
                             f"bootstrap the method and the baselines on the same tasks")
    return {t: at_baseline(gain.per_task[t]) for t in tasks}
