"""Metrics formed from additive counts per unit, resampled unit by unit.

Some scores are not a function of one (prediction, gold) pair at a time: MultiRC's EM is
per question and its F1a counts answer options; WNUT's entity F1 counts entities over
sentences; AX-g's parity is per minimal pair; a QA or ReCoRD score is a string match per
question. Each is a function of counts that add up over *units* (a question, a sentence,
a pair): per unit a small vector (``tp, fp, fn`` or ``value, weight``), summed over the
units of a resample, then combined. So a resample is a row of unit counts and the sums
are one matrix product: the bootstrap resamples whole units (a cluster bootstrap, so a
question's options are never split) and stays vectorised, with no per-resample loop.

Which unit a task resamples (an example, or its ``group``) and which counts its metrics
add are the task format's choice (``TaskFormat.resampled_metrics``, ``grouped``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

UnitCounts = Callable[[Any, Any], Sequence[float]]
"""One unit's (predictions, gold) -> its additive counts."""

_DENSE_CELLS = 4_000_000
"""Resample rows x units per block of the count matrix (32 MB of float64)."""


def unit_counts(idx: np.ndarray, n_units: int) -> np.ndarray:
    """How often each unit is drawn in each resample: ``(B, n_units)`` from ``(B, m)``."""
    rows = idx.shape[0]
    flat = (idx.astype(np.int64) + (np.arange(rows, dtype=np.int64) * n_units)[:, None])
    return np.bincount(flat.ravel(), minlength=rows * n_units).reshape(rows, n_units)


def _summed(stats: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Per resample, the column sums of the drawn units' counts: ``(B, k)``."""
    n_units = stats.shape[0]
    block = max(1, _DENSE_CELLS // max(n_units, 1))
    return np.concatenate([unit_counts(idx[start:start + block], n_units) @ stats
                           for start in range(0, idx.shape[0], block)])


@dataclass(frozen=True)
class SummedMetric:
    """A metric that is ``combine`` of unit counts summed over the units of a resample.

    ``counts(pred_unit, gold_unit)`` gives one unit's counts; ``combine`` maps the summed
    ``(B, k)`` counts to the metric (0..1) per resample. ``pred`` and ``gold`` hold one
    entry per unit: a value per example, or a tuple of a group's values.
    """

    name: str
    counts: UnitCounts
    combine: Callable[[np.ndarray], np.ndarray]

    def statistics(self, pred: np.ndarray, gold: np.ndarray) -> np.ndarray:
        """The ``(units, k)`` count matrix of one prediction set."""
        if len(pred) != len(gold):
            raise ValueError(f"{self.name}: {len(pred)} predicted units for {len(gold)} gold")
        return np.asarray([self.counts(p, g) for p, g in zip(pred, gold, strict=True)],
                          dtype=np.float64).reshape(len(gold), -1)

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.combine(self.statistics(pred, gold).sum(axis=0, keepdims=True))[0])

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return self.combine(_summed(self.statistics(pred, gold), idx))


def _ratio(sums: np.ndarray) -> np.ndarray:
    numerator, denominator = sums[:, 0], sums[:, 1]
    return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), 0.0)


def _f1(sums: np.ndarray) -> np.ndarray:
    tp, fp, fn = sums[:, 0], sums[:, 1], sums[:, 2]
    return np.where(tp > 0, 2 * tp / np.where(tp > 0, 2 * tp + fp + fn, 1), 0.0)


def ratio_metric(name: str, counts: Callable[[Any, Any], tuple[float, float]]
                 ) -> SummedMetric:
    """Summed numerator over summed denominator (0 when nothing is counted): accuracy over
    a group's examples, a share of questions, precision or recall."""
    return SummedMetric(name, counts, _ratio)


def mean_metric(name: str, value: Callable[[Any, Any], float]) -> SummedMetric:
    """The mean over units of one value per unit (a question's best F1, a pair's parity)."""
    return SummedMetric(name, lambda p, g: (float(value(p, g)), 1.0), _ratio)


def f1_metric(name: str, counts: Callable[[Any, Any], tuple[float, float, float]]
              ) -> SummedMetric:
    """Micro F1 from summed ``(tp, fp, fn)``; 0 when nothing is right, as
    ``benchmark.metrics.functions``."""
    return SummedMetric(name, counts, _f1)
