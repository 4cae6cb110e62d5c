"""Numbers a run could have produced: what a record must satisfy beyond its schema.

A record can match the schema and still be impossible: a score of 1000, a suite
average unrelated to its task scores, 10^9 examples updated out of a few hundred,
10^13 steps. Readers refuse such a record, so no report shows, averages or plots
its numbers. Every check returns lines ``"field.path: what is wrong"`` and expects
a record that already matches ``RESULT_SCHEMA`` (types are not re-checked here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from benchmark.errors import UnknownNameError
from benchmark.metrics import suite_average
from benchmark.metrics.ranges import METRIC_RANGES, metric_name, score_range

SCORE_TOLERANCE = 1e-3
"""Absolute slack on the 0..100 scale for recomputed scores and averages (float rounding)."""

RELATIVE_TOLERANCE = 1e-6
"""Relative slack for recomputed ratios and per-task parameter counts."""


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _close(a: float, b: float, absolute: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=absolute)


MAX_INTEGER = 2**63
"""No count, step or seed comes near it; beyond it integers no longer convert to floats."""


def non_finite_problems(value: Any, path: str = "") -> list[str]:
    """Every NaN, infinity (JSON's ``NaN``, ``Infinity``, ``1e999``) and absurd integer."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{path or '(record)'}: {value} is not a finite number"]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_INTEGER:
        return [f"{path or '(record)'}: an integer of {value.bit_length()} bits is too large for "
                "any count in a record"]
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return []
    prefix = f"{path}." if path else ""
    return [p for key, item in items for p in non_finite_problems(item, f"{prefix}{key}")]


def _fmt(low: float, high: float) -> str:
    return f"[{low:g}, {high:g}]"


def _score_problem(where: str, score: Any, metrics: Mapping[str, Any]) -> str | None:
    low, high = score_range(metrics)
    if _finite(score) and not low - SCORE_TOLERANCE <= score <= high + SCORE_TOLERANCE:
        return f"{where}: {score:g} is outside {_fmt(low, high)}, the range of its task score"
    return None


def score_problems(record: Mapping[str, Any]) -> list[str]:
    """Metrics within their metric's range; each main score 100 x the mean of its metrics."""
    problems = []
    for task, metrics in record["metrics"].items():
        for key, value in metrics.items():
            name = metric_name(key)
            if name is None:
                problems.append(f"metrics.{task}.{key}: unknown metric (known: "
                                f"{', '.join(sorted(METRIC_RANGES))})")
            elif _finite(value) and not METRIC_RANGES[name][0] <= value <= METRIC_RANGES[name][1]:
                problems.append(f"metrics.{task}.{key}: {value:g} is outside {name}'s range "
                                f"{_fmt(*METRIC_RANGES[name])}")
    for task, score in record["main_scores"].items():
        metrics = record["metrics"].get(task) or {}
        problem = _score_problem(f"main_scores.{task}", score, metrics)
        values = list(metrics.values())
        if problem is None and _finite(score) and values and all(map(_finite, values)):
            expected = 100.0 * sum(values) / len(values)
            if not _close(score, expected, SCORE_TOLERANCE):
                problem = (f"main_scores.{task}: {score:g} is not 100 x the mean of "
                           f"metrics.{task} ({expected:.6g})")
        if problem:
            problems.append(problem)
    for i, entry in enumerate(record["history"]):
        for task, score in entry["main_scores"].items():
            problem = _score_problem(f"history.{i}.main_scores.{task}", score,
                                     record["metrics"].get(task) or {})
            if problem:
                problems.append(problem)
    return problems


def suite_average_problems(record: Mapping[str, Any]) -> list[str]:
    """The suite average recomputed from the task scores, as the runner computes it.

    ``null`` is always allowed (skipped tasks, a custom task list). A suite this
    reader does not know (a user suite) cannot be recomputed; its average must
    still lie between the lowest and highest task score, as any mean does.
    """
    value, suite = record["suite_average"], record["suite"]
    if not _finite(value):
        return []
    try:
        expected = suite_average(suite, record["main_scores"])
    except UnknownNameError:
        scores = [s for t, s in record["main_scores"].items()
                  if t in record["tasks"] and _finite(s)]
        if scores and min(scores) - SCORE_TOLERANCE <= value <= max(scores) + SCORE_TOLERANCE:
            return []
        shown = f"between {min(scores):g} and {max(scores):g}" if scores else "none"
        return [f"suite_average: {value:g} cannot be a mean of the record's task scores "
                f"({shown})"]
    if expected is None:
        return [f"suite_average: {value:g} is given, but not every task of suite {suite!r} "
                "has a score; it must be null"]
    if not _close(value, expected, SCORE_TOLERANCE):
        return [f"suite_average: {value:g} is not the mean of suite {suite!r}'s task scores "
                f"({expected:.6g})"]
    return []


def _usage_entry_problems(where: str, entry: Mapping[str, int | float]) -> list[str]:
    available, updated, seen = entry["available"], entry["updated"], entry["seen"]
    problems = []
    if updated > available:
        problems.append(f"{where}.updated: {updated} distinct examples updated, but only "
                        f"{available} available")
    if updated > seen:
        problems.append(f"{where}.updated: {updated} updated, but only {seen} seen "
                        "(an updated example was seen first)")
    expected = updated / available if available else 0.0
    if _finite(entry["ratio"]) and not _close(entry["ratio"], expected, 1e-9):
        problems.append(f"{where}.ratio: {entry['ratio']:g} is not updated / available "
                        f"({expected:.6g})")
    return problems


def usage_problems(record: Mapping[str, Any]) -> list[str]:
    """Per task: updated <= available and <= seen, available as budgeted; sums add up.

    ``max_train_samples`` counts sampling units (a MultiRC question with all its answer
    options), not examples, so ``available`` is checked against ``budget.train_examples``.

    ``seen`` counts repeats and scored candidates, so it may exceed ``available``; it
    is bounded by what the steps could draw instead (steps x batch size).
    """
    usage, budget = record["data_usage"], record["budget"]
    steps, batch_size = record["training"]["steps"], budget["batch_size"]
    declared = budget.get("train_examples") or {}
    problems = []
    for task, entry in usage["per_task"].items():
        where = f"data_usage.per_task.{task}"
        if task not in record["tasks"]:
            problems.append(f"{where}: {task!r} is not one of the record's tasks")
        problems += _usage_entry_problems(where, entry)
        if task in declared and declared[task] != entry["available"]:
            problems.append(f"{where}.available: {entry['available']} but "
                            f"budget.train_examples.{task} is {declared[task]}")
        if entry["seen"] > steps * batch_size:
            problems.append(f"{where}.seen: {entry['seen']} examples cannot be drawn in {steps} "
                            f"steps of at most {batch_size}")
    overall = usage["overall"]
    for key in ("available", "updated", "seen"):
        total = sum(e[key] for e in usage["per_task"].values())
        if usage["per_task"] and overall[key] != total:
            problems.append(f"data_usage.overall.{key}: {overall[key]} is not the sum over "
                            f"tasks ({total})")
    return problems + _usage_entry_problems("data_usage.overall", overall)


def step_bound(record: Mapping[str, Any]) -> tuple[int, str] | None:
    """The most steps the budget allows, and how it follows; None when it cannot be derived.

    The loop runs ``max_steps`` or ``ceil(epochs x steps_per_epoch)`` steps per model;
    every sampler's epoch is at most T x (the largest task's batches), and per-task
    methods train T models, so T x that bound covers every method and sampler.
    """
    budget, available = record["budget"], record["data_usage"]["per_task"]
    if not available:
        return None
    tasks = len(available)
    if budget.get("max_steps"):
        return tasks * budget["max_steps"], f"{tasks} task(s) x max_steps {budget['max_steps']}"
    batches = max(math.ceil(e["available"] / budget["batch_size"]) for e in available.values())
    if not _finite(budget["epochs"] * batches):
        return None
    per_model = max(1, math.ceil(budget["epochs"] * batches))
    return tasks * per_model, (f"{tasks} task(s) x ceil({budget['epochs']:g} epochs x {batches} "
                               f"batches of the largest task)")


def training_problems(record: Mapping[str, Any]) -> list[str]:
    """Steps within the budget; the schedule, history and selected steps within the steps."""
    training = record["training"]
    steps = training["steps"]
    problems = []
    bound = step_bound(record)
    if bound is not None and steps > bound[0]:
        problems.append(f"training.steps: {steps} is more than the budget allows "
                        f"({bound[0]} = {bound[1]})")
    for task, runs in training["task_schedule"].items():
        where = f"training.task_schedule.{task}"
        if task not in record["tasks"]:
            problems.append(f"{where}: {task!r} is not one of the record's tasks")
        late = [i for i, (start, length) in enumerate(runs) if start + length - 1 > steps]
        if late:
            start, length = runs[late[0]]
            problems.append(f"{where}.{late[0]}: steps {start} to {start + length - 1} go past "
                            f"training.steps ({steps})")
    for i, entry in enumerate(record["history"]):
        if entry["step"] > steps:
            problems.append(f"history.{i}.step: {entry['step']} is after the last training step "
                            f"({steps})")
    for task, step in (training.get("selected_steps") or {}).items():
        if step > steps:
            problems.append(f"training.selected_steps.{task}: {step} is after the last training "
                            f"step ({steps})")
    return problems


def parameter_problems(record: Mapping[str, Any]) -> list[str]:
    """The parameter block's own definitions (docs/results.md) hold."""
    p = record["parameters"]
    problems = []
    if p["total_to_serve"] != p["frozen_shared"] + p["trainable"]:
        problems.append(f"parameters.total_to_serve: {p['total_to_serve']} is not frozen_shared "
                        f"+ trainable ({p['frozen_shared'] + p['trainable']})")
    tasks = len(p["per_task"]) or len(record["tasks"])
    expected = p["trainable"] / tasks
    if _finite(p["trained_per_task"]) and not _close(p["trained_per_task"], expected, 1e-6):
        problems.append(f"parameters.trained_per_task: {p['trained_per_task']:g} is not "
                        f"trainable / {tasks} tasks ({expected:g})")
    elif p["backbone"] > 0 and _finite(p["trained_per_task_ratio"]):
        ratio = p["trained_per_task"] / p["backbone"]
        if not _close(p["trained_per_task_ratio"], ratio, 1e-12):
            problems.append(f"parameters.trained_per_task_ratio: {p['trained_per_task_ratio']:g} "
                            f"is not trained_per_task / backbone ({ratio:.6g})")
    return problems


def plausibility_problems(record: Mapping[str, Any]) -> list[str]:
    """Every check above, for a record that matches the schema."""
    return [
        *score_problems(record),
        *suite_average_problems(record),
        *usage_problems(record),
        *training_problems(record),
        *parameter_problems(record),
    ]
