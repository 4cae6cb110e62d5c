"""Intervals behind a table: every row's scores, the trivial baseline, paired differences.

One paired, hierarchical bootstrap (``benchmark.stats``) per group of configurations,
over the per-example predictions saved beside their records: every configuration and
the trivial predictor are resampled on the same seeds and the same example indices, so
a row's interval, the baseline's and every difference come from one set of draws and
agree with each other. Rules and their rationale: docs/reports.md, "Intervals and
verdicts".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.errors import BenchmarkError
from benchmark.results.example_predictions import load_example_predictions, task_predictions
from benchmark.results.frame import SCORE_PREFIX, ResultSet
from benchmark.stats import DEFAULT_RESAMPLES, Interval, TaskEval, resample_scores, task_eval
from benchmark.stats.bootstrap import Draws, difference_interval, score_interval
from benchmark.stats.trivial import baseline_flags
from benchmark.tasks.registry import get_task
from reports.table_model import Table

LEVEL = 0.95
BOOTSTRAP_SEED = 0
BASELINE = "<trivial predictor>"
"""The trivial predictor's configuration name: angle brackets keep it apart from every
method and row name (those are identifiers)."""
SCORE_TOLERANCE = 0.05
"""Points by which a recomputed score may differ from the recorded one (float rounding)."""


@dataclass(frozen=True)
class RowEvidence:
    """A configuration's average and per-task scores with intervals, and where it is at
    its trivial baseline (task -> True when its paired gain over the trivial predictor is
    not above 0, ``benchmark.stats.trivial.at_baseline``)."""

    score: Interval
    at_baseline: Mapping[str, bool]


@dataclass
class Evidence:
    """The intervals of one group of configurations on one task set.

    ``missing``: configuration -> why it has no interval (no prediction file, a tampered
    one, examples that differ); ``excluded``: task -> why no interval covers it.
    """

    tasks: tuple[str, ...]
    rows: dict[str, RowEvidence] = field(default_factory=dict)
    baseline: Interval | None = None
    missing: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    baseline_predictor: dict[str, str] = field(default_factory=dict)
    n_resamples: int = DEFAULT_RESAMPLES
    per_metric_maxima: bool = False
    """Some runs report per-metric maxima over dev evaluations (``best-dev``): their
    intervals are of the one evaluation their predictions hold."""
    _draws: Draws | None = None

    def difference(self, a: str, b: str) -> Interval | None:
        """Δ = a − b of the average (``per_task``: of each task), paired; None if either
        configuration has no interval."""
        if self._draws is None or a not in self.rows or b not in self.rows:
            return None
        return difference_interval(self._draws, a, b, level=LEVEL)

    def describe(self) -> str:
        """How the intervals were formed, for captions and footnotes."""
        text = (f"95% intervals: paired bootstrap over seeds and evaluation examples, "
                f"{self.n_resamples} resamples, seed {BOOTSTRAP_SEED}")
        if self.per_metric_maxima:
            text += ("; best-dev runs: each interval is of the evaluation with the best mean dev "
                     "score (the one whose predictions are kept), while their point scores are "
                     "per-metric maxima over all dev evaluations, which no one evaluation "
                     "reaches")
        if self.excluded:
            text += "; not covered: " + "; ".join(f"{t} ({why})" for t, why in
                                                  self.excluded.items())
        return text


@dataclass
class _Loaded:
    """One run's predictions per task and the record's scores and trivial constants."""

    seed: int
    predictions: dict[str, np.ndarray]
    gold: dict[str, tuple[np.ndarray, tuple[int, ...], tuple[str, ...] | None]]
    main_scores: Mapping[str, Any]
    """The scores its predictions reproduce (``predicted_evaluation_scores``)."""
    trivial: Mapping[str, Mapping[str, Any]]
    per_metric_maxima: bool = False
    """A ``best-dev`` run: its reported scores are per-metric maxima, not these."""


def predicted_evaluation_scores(record: Mapping[str, Any]) -> dict[str, float]:
    """The main scores of the evaluation whose predictions the record's file holds.

    ``best`` and ``last`` report that evaluation, so these are ``main_scores``. ``best-dev``
    (the reference code's report) takes each metric's maximum over all dev evaluations,
    which no single prediction set reproduces; its file holds the evaluation with the best
    mean dev score (``training.selected_steps``), whose scores are in ``history``.
    """
    scores = dict(record.get("main_scores") or {})
    training = record.get("training") or {}
    if training.get("model_selection") != "best-dev":
        return scores
    steps = training.get("selected_steps") or {}
    for task in scores:
        entry = next((e for e in record.get("history") or []
                      if e.get("step") == steps.get(task) and task in e.get("main_scores", {})
                      and ("model" not in e or task in str(e["model"]).split("+"))), None)
        if entry is not None:
            scores[task] = entry["main_scores"][task]
    return scores


def _load_run(record: Mapping[str, Any], source: str, tasks: Sequence[str]) -> _Loaded:
    loaded = load_example_predictions(record, Path(source).parent)
    predictions, gold = {}, {}
    for task in tasks:
        if not any(t == task for t, _ in loaded):
            continue
        found = task_predictions(loaded, task)
        predictions[task] = found.predictions
        gold[task] = (found.gold, found.split_sizes, found.groups)
    return _Loaded(int(record["seed"]), predictions, gold, predicted_evaluation_scores(record),
                   record.get("trivial_baseline") or {},
                   (record.get("training") or {}).get("model_selection") == "best-dev")


def _task_evals(tasks: Sequence[str], runs: Mapping[str, list[_Loaded]],
                excluded: dict[str, str]) -> dict[str, TaskEval]:
    """A TaskEval per task every run predicted on the same examples; the rest excluded."""
    evals: dict[str, TaskEval] = {}
    if not runs:
        return evals
    for task in tasks:
        golds = [r.gold.get(task) for rs in runs.values() for r in rs]
        if any(g is None for g in golds):
            excluded[task] = "some runs have no per-example predictions for it"
            continue
        first, sizes, groups = golds[0]
        if any(s != sizes or u != groups or not np.array_equal(g, first)
               for g, s, u in golds[1:]):
            excluded[task] = "runs were evaluated on different examples (budgets differ)"
            continue
        try:
            evals[task] = task_eval(get_task(task), first, sizes, groups)
        except BenchmarkError as exc:
            excluded[task] = str(exc).split(";")[0].removeprefix(f"{task}: ")
    return evals


def _recorded_scores_match(name: str, runs: list[_Loaded], evals: Mapping[str, TaskEval]
                           ) -> str:
    """Empty, or why a run's predictions do not reproduce its recorded scores."""
    for run in runs:
        for task, evaluation in evals.items():
            recorded = run.main_scores.get(task)
            if recorded is None:
                continue
            recomputed = float(evaluation.score(run.predictions[task])[0])
            if not math.isclose(recomputed, float(recorded), abs_tol=SCORE_TOLERANCE):
                return (f"seed {run.seed}: its predictions give {task} {recomputed:.2f}, its "
                        f"record says {float(recorded):.2f}; the record or its prediction file "
                        f"was changed: rerun it with --overwrite")
    return ""


def _baseline_predictions(runs: Mapping[str, list[_Loaded]], evals: Mapping[str, TaskEval],
                          predictor: dict[str, str]) -> dict[int, dict[str, np.ndarray]]:
    """seed -> task -> the trivial constant of that seed's training examples, for the tasks
    whose constant every seed recorded."""
    constants: dict[int, dict[str, float]] = {}
    for run in (r for rs in runs.values() for r in rs):
        for task, entry in run.trivial.items():
            if task in evals:
                constants.setdefault(run.seed, {}).setdefault(task, float(entry["value"]))
                predictor.setdefault(task, str(entry["predictor"]))
    covered = [t for t in evals if constants and all(t in c for c in constants.values())]
    return {seed: {t: np.full(len(evals[t].gold), by_task[t]) for t in covered}
            for seed, by_task in constants.items()} if covered else {}


def gather_evidence(groups: Mapping[str, Sequence[str]], tasks: Sequence[str],
                    result: ResultSet, *, n_resamples: int = DEFAULT_RESAMPLES) -> Evidence:
    """Intervals for configurations given as name -> run ids (one run per seed)."""
    evidence = Evidence(tuple(tasks), n_resamples=n_resamples)
    sources = dict(zip(result.frame["run_id"], result.frame["source"], strict=True)) \
        if not result.frame.empty else {}
    runs: dict[str, list[_Loaded]] = {}
    for name, run_ids in groups.items():
        if not run_ids:
            evidence.missing[name] = "no run has every task of this table"
            continue
        try:
            runs[name] = [_load_run(result.records[r], sources[r], tasks) for r in run_ids]
        except BenchmarkError as exc:
            evidence.missing[name] = str(exc)
    evals = _task_evals(tasks, runs, evidence.excluded)
    evidence.per_metric_maxima = any(r.per_metric_maxima for rs in runs.values() for r in rs)
    for name in list(runs):
        problem = _recorded_scores_match(name, runs[name], evals)
        if problem:
            evidence.missing[name] = problem
            del runs[name]
    if not runs or not evals:
        return evidence
    configs: dict[str, dict[int, dict[str, np.ndarray]]] = {
        name: {r.seed: {t: r.predictions[t] for t in evals} for r in rs}
        for name, rs in runs.items()}
    baseline = _baseline_predictions(runs, evals, evidence.baseline_predictor)
    baseline_tasks = list(next(iter(baseline.values()))) if baseline else []
    if baseline_tasks:
        configs[BASELINE] = {
            seed: {t: by_task.get(t, _placeholder(configs, t)) for t in evals}
            for seed, by_task in baseline.items()}
    draws = resample_scores(configs, evals, n_resamples=n_resamples, seed=BOOTSTRAP_SEED)
    evidence._draws = draws
    scores = {name: score_interval(draws, name, level=LEVEL) for name in configs}
    if baseline_tasks:
        evidence.baseline = _restrict(scores.pop(BASELINE), baseline_tasks)
    for name, interval in scores.items():
        flags = {} if evidence.baseline is None else baseline_flags(
            difference_interval(draws, name, BASELINE, level=LEVEL), baseline_tasks)
        evidence.rows[name] = RowEvidence(interval, flags)
    return evidence


def _placeholder(configs: Mapping[str, Mapping[int, Mapping[str, np.ndarray]]],
                     task: str) -> np.ndarray:
    """A placeholder prediction for a task without a trivial constant (dropped afterwards):
    the first configuration's, so the baseline stays a complete configuration."""
    first = next(iter(configs.values()))
    return next(iter(first.values()))[task]


def _restrict(interval: Interval, tasks: Sequence[str]) -> Interval:
    """The baseline's per-task intervals for the tasks it has a constant for; its average
    only when that is every task (else an average of other tasks than the rows')."""
    per_task = {t: interval.per_task[t] for t in tasks}
    if len(tasks) == len(interval.per_task):
        return interval
    return Interval(math.nan, math.nan, math.nan, interval.level, interval.n_resamples,
                    interval.seed, per_task)


def table_evidence(table: Table, result: ResultSet, *,
                   n_resamples: int = DEFAULT_RESAMPLES) -> Evidence:
    """The evidence of a table's rows on its task columns: each row's runs are those of its
    average cell (the seeds that scored every task)."""
    tasks = list(table.scale.tasks)
    key = "average" if "average" in table.cells.columns else None
    groups = {}
    for row in table.rows:
        if key is not None:
            groups[row] = table.cell(row, key).run_ids
        else:
            ids = [set(table.cell(row, SCORE_PREFIX + t).run_ids) for t in tasks]
            groups[row] = tuple(sorted(set.intersection(*ids))) if ids else ()
    return gather_evidence(groups, tasks, result, n_resamples=n_resamples)
