"""Statistics for claims: paired hierarchical bootstrap intervals, trivial baselines and
three-way verdicts. Rules and their rationale: docs/reports.md, "Intervals and verdicts"."""

from benchmark.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    Draws,
    Interval,
    bootstrap_difference,
    bootstrap_score,
    format_difference,
    format_score,
    resample_scores,
)
from benchmark.stats.metrics import (
    METRICS,
    CallableMetric,
    MeanMetric,
    Metric,
    TaskEval,
    make_task_eval,
    metric_named,
    task_eval,
)
from benchmark.stats.trivial import (
    at_baseline,
    baseline_flags,
    majority_class,
    training_mean,
    trivial_baseline,
    trivial_predictions,
)
from benchmark.stats.verdicts import (
    ClaimVerdict,
    Verdict,
    definition_dependent,
    judge_difference,
    judge_exact,
)

__all__ = [
    "DEFAULT_RESAMPLES",
    "METRICS",
    "CallableMetric",
    "ClaimVerdict",
    "Draws",
    "Interval",
    "MeanMetric",
    "Metric",
    "TaskEval",
    "Verdict",
    "at_baseline",
    "baseline_flags",
    "bootstrap_difference",
    "bootstrap_score",
    "definition_dependent",
    "format_difference",
    "format_score",
    "judge_difference",
    "judge_exact",
    "majority_class",
    "make_task_eval",
    "metric_named",
    "resample_scores",
    "task_eval",
    "training_mean",
    "trivial_baseline",
    "trivial_predictions",
]
