"""The range each metric can take, in native units, so a record's numbers can be checked.

Kept beside the metric definitions: a new metric gets its range here, and every
task score range follows from its metrics (a task's 0..100 score is 100 x the mean
of its metric keys, see ``core.main_score``).
"""

from __future__ import annotations

from collections.abc import Iterable

METRIC_RANGES: dict[str, tuple[float, float]] = {
    "accuracy": (0.0, 1.0),
    "f1": (0.0, 1.0),
    "macro_f1": (0.0, 1.0),
    "f1a": (0.0, 1.0),
    "em": (0.0, 1.0),
    "gender_parity": (0.0, 1.0),
    "matthews": (-1.0, 1.0),
    "pearson": (-1.0, 1.0),
    "spearman": (-1.0, 1.0),
    "entity_f1": (0.0, 1.0),
    "entity_precision": (0.0, 1.0),
    "entity_recall": (0.0, 1.0),
    "surface_f1": (0.0, 1.0),
    "surface_precision": (0.0, 1.0),
    "surface_recall": (0.0, 1.0),
}
"""Native range of every metric in ``benchmark.metrics.functions`` (fractions, correlations)."""

SCORE_RANGE = (-100.0, 100.0)
"""The widest a task's 0..100 score can be: correlations and MCC go down to -100."""


def metric_name(key: str) -> str | None:
    """The metric of a record key: ``accuracy_dev_mismatched`` -> ``accuracy``; None if unknown."""
    matches = [m for m in METRIC_RANGES if key == m or key.startswith(m + "_")]
    return max(matches, key=len) if matches else None


def score_range(metric_keys: Iterable[str]) -> tuple[float, float]:
    """The range of the task score formed from these metric keys (``SCORE_RANGE`` if unknown)."""
    ranges = [METRIC_RANGES[name] for name in map(metric_name, metric_keys) if name]
    if not ranges:
        return SCORE_RANGE
    low = 100.0 * sum(r[0] for r in ranges) / len(ranges)
    high = 100.0 * sum(r[1] for r in ranges) / len(ranges)
    return low, high
