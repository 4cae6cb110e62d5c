"""Task-level scoring: metrics per split, the 0..100 task score, suite averages.

Averaging follows the leaderboards. GLUE: the unweighted mean of the nine task
scores, a task's score being the mean of its metrics; MNLI is one task scored by
the mean of its matched and mismatched accuracies; the diagnostic (AX) is not in
the average. SuperGLUE: the mean over its eight tasks, AX-b and AX-g excluded.
Sources and a worked check are in docs/tasks.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from benchmark.data.examples import Example
from benchmark.formats.registry import format_of
from benchmark.metrics import functions as F
from benchmark.tasks.spec import TaskSpec

PER_EXAMPLE_METRICS = {
    "accuracy": F.accuracy,
    "f1": F.f1_binary,
    "macro_f1": F.macro_f1,
    "matthews": F.matthews,
    "pearson": F.pearson,
    "spearman": F.spearman,
}
"""The declarable metrics that are functions of (prediction, reference) per example."""


def split_suffix(task: TaskSpec, split: str | None) -> str:
    """"" for the task's first eval split, else "_<split>" (MNLI: "_dev_mismatched")."""
    if split is None or not task.eval_splits or split == task.eval_splits[0]:
        return ""
    return "_" + split


def metric_keys(task: TaskSpec) -> tuple[str, ...]:
    """Every key the task's metrics dict holds once all eval splits are scored."""
    splits: Sequence[str | None] = task.eval_splits or (None,)
    return tuple(m + split_suffix(task, s) for s in splits for m in task.metrics)


def compute_metrics(
    task: TaskSpec,
    predictions: Sequence[Any],
    references: Sequence[Any] | None,
    groups: Sequence[Any] | None = None,
    meta: Sequence[Mapping[str, Any]] | None = None,
    *,
    split: str | None = None,
) -> dict[str, float]:
    """The task's metrics in native units; keys get the split's suffix (see metric_keys).

    The task's format forms them (``TaskFormat.metric_values``); what it expects:

    ``predictions``: class index, regression value or choice index per example;
    MultiRC: 0/1 per answer option with ``groups`` = question ids; ReCoRD: the
    predicted entity string (or choice index into ``meta[i]["entities"]``) per query,
    gold answers in ``references`` (lists of strings) or ``meta[i]["answers"]``;
    AX-g: ``groups`` = minimal-pair ids. ``split`` names the eval split: keys of any
    split but the task's first get the suffix ``_<split>`` (``accuracy_dev_mismatched``).
    """
    suffix = split_suffix(task, split)
    scores = format_of(task).metric_values(task, predictions, references, groups, meta)
    return {f"{name}{suffix}": float(value) for name, value in scores.items()
            if name in task.metrics}


def score_examples(
    task: TaskSpec, examples: Sequence[Example], predicted: Sequence[Any], *,
    split: str | None = None,
) -> dict[str, float]:
    """compute_metrics from the examples themselves: the runner passes the model's
    class index / value / choice index per example, nothing else; the format says where
    the gold values are (the labels; ReCoRD: the answers in ``meta``)."""
    if len(predicted) != len(examples):
        raise ValueError(f"{len(predicted)} predictions for {len(examples)} examples")
    references = format_of(task).references(examples)
    return compute_metrics(task, predicted, references, [e.group for e in examples],
                           [e.meta for e in examples], split=split)


def main_score(task: TaskSpec, metrics: Mapping[str, float]) -> float:
    """The task's 0..100 leaderboard score: the mean of all its metric keys, x100."""
    keys = metric_keys(task)
    missing = [k for k in keys if k not in metrics or metrics[k] is None]
    if missing:
        raise ValueError(f"{task.name}: cannot form its score without {', '.join(missing)}")
    return 100.0 * sum(float(metrics[k]) for k in keys) / len(keys)


def suite_average(suite: str, main_scores: Mapping[str, float | None]) -> float | None:
    """Mean of the suite's task scores (diagnostics excluded); None if any is missing."""
    from benchmark.tasks.registry import get_suite

    values = []
    for name in get_suite(suite):
        value = main_scores.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        values.append(float(value))
    return sum(values) / len(values)
