"""Metrics, task scores and suite averages (see ``core`` and ``functions``)."""

from benchmark.metrics.core import (
    compute_metrics,
    main_score,
    metric_keys,
    score_examples,
    split_suffix,
    suite_average,
)

__all__ = [
    "compute_metrics",
    "main_score",
    "metric_keys",
    "score_examples",
    "split_suffix",
    "suite_average",
]
