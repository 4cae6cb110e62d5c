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
from benchmark.metrics import functions as F
from benchmark.tasks.spec import TaskSpec

_SIMPLE = {
    "accuracy": F.accuracy,
    "f1": F.f1_binary,
    "macro_f1": F.macro_f1,
    "matthews": F.matthews,
    "pearson": F.pearson,
    "spearman": F.spearman,
}


def split_suffix(task: TaskSpec, split: str | None) -> str:
    """"" for the task's first eval split, else "_<split>" (MNLI: "_dev_mismatched")."""
    if split is None or not task.eval_splits or split == task.eval_splits[0]:
        return ""
    return "_" + split


def metric_keys(task: TaskSpec) -> tuple[str, ...]:
    """Every key the task's metrics dict holds once all eval splits are scored."""
    splits: Sequence[str | None] = task.eval_splits or (None,)
    return tuple(m + split_suffix(task, s) for s in splits for m in task.metrics)


def _indices(values: Sequence[Any], what: str) -> list[int]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and (math.isnan(v) or v < 0)):
            raise ValueError(f"{what} hold unlabelled examples; score a labelled split")
        out.append(int(v))
    return out


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

    ``predictions``: class index, regression value or choice index per example;
    MultiRC: 0/1 per answer option with ``groups`` = question ids; ReCoRD: the
    predicted entity string (or choice index into ``meta[i]["entities"]``) per query,
    gold answers in ``references`` (lists of strings) or ``meta[i]["answers"]``;
    AX-g: ``groups`` = minimal-pair ids. ``split`` names the eval split: keys of any
    split but the task's first get the suffix ``_<split>`` (``accuracy_dev_mismatched``).
    """
    suffix = split_suffix(task, split)
    if task.reader == "record":
        if references is not None and len(references) and isinstance(references[0], list | tuple):
            golds = list(references)
        elif meta is not None:
            golds = [m["answers"] for m in meta]
        else:
            raise ValueError("ReCoRD needs gold answers in references or meta")
        if not all(isinstance(p, str) for p in predictions) and meta is None:
            raise ValueError("ReCoRD choice indices need meta with the entities")
        chosen = [p if isinstance(p, str) else meta[i]["entities"][int(p)]  # type: ignore[index]
                  for i, p in enumerate(predictions)]
        scores = F.record_scores(chosen, golds)
    elif task.reader == "multirc":
        if groups is None:
            raise ValueError("MultiRC needs groups (question ids)")
        scores = F.multirc_scores(_indices(predictions, "predictions"),
                                  _indices(references or [], "references"), groups)
    else:
        if references is None:
            raise ValueError(f"{task.name} needs references")
        scores = {}
        for name in task.metrics:
            if name == "gender_parity":
                if groups is None:
                    raise ValueError("gender parity needs groups (pair ids)")
                scores[name] = F.gender_parity(_indices(predictions, "predictions"), groups)
            elif task.task_type == "regression":
                refs = [float(r) for r in references]
                if any(math.isnan(r) for r in refs):
                    raise ValueError("references hold unlabelled examples; score a labelled split")
                scores[name] = _SIMPLE[name]([float(p) for p in predictions], refs)
            else:
                scores[name] = _SIMPLE[name](_indices(predictions, "predictions"),
                                             _indices(references, "references"))
    return {f"{name}{suffix}": float(value) for name, value in scores.items()
            if name in task.metrics}


def score_examples(
    task: TaskSpec, examples: Sequence[Example], predicted: Sequence[Any], *,
    split: str | None = None,
) -> dict[str, float]:
    """compute_metrics from the examples themselves: the runner passes the model's
    class index / value / choice index per example, nothing else."""
    if len(predicted) != len(examples):
        raise ValueError(f"{len(predicted)} predictions for {len(examples)} examples")
    groups = [e.group for e in examples]
    meta = [e.meta for e in examples]
    if task.reader == "record":
        return compute_metrics(task, predicted, None, groups, meta, split=split)
    return compute_metrics(task, predicted, [e.label for e in examples], groups, meta,
                           split=split)


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
