"""Paired, hierarchical bootstrap intervals for scores and score differences.

Two sources of noise make a measured score differ from the method's true one: the
training seeds and the evaluation examples. Each resample draws both: the seeds of a
configuration with replacement, and each task's examples with replacement. Every seed
predicts the same examples (they are crossed, not nested), so one draw of example
indices serves all drawn seeds of a resample; drawing them anew per seed would average
the examples' noise away over seeds and give intervals that are too narrow.

Pairing: the example indices of a resample are the same for every configuration, so
noise both methods share (hard examples) cancels in their difference. Seeds are paired
too (the same seed draws) between configurations with the same seed set; a configuration
with another seed set has its seeds drawn on their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmark.errors import BenchmarkError
from benchmark.stats.metrics import TaskEval

Predictions = Mapping[Hashable, Mapping[str, Any]]
"""One configuration's predictions: seed -> task -> one prediction per example."""

Average = Callable[[Mapping[str, float]], float | None]
"""Task scores -> their average (a plain mean, or ``benchmark.metrics.suite_average``)."""

DEFAULT_RESAMPLES = 2000
MIN_RESAMPLES = 100
_CHUNK_ELEMENTS = 2_000_000
"""Index-matrix entries per chunk: bounds memory on large dev sets (QQP: 40k examples)."""


@dataclass(frozen=True)
class Interval:
    """A point estimate on the full data and its bootstrap percentile interval."""

    estimate: float
    low: float
    high: float
    level: float
    n_resamples: int
    seed: int
    per_task: Mapping[str, Interval] = field(default_factory=dict)

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the resampling settings that reproduce it."""
        out: dict[str, Any] = {"estimate": self.estimate, "low": self.low, "high": self.high,
                               "level": self.level, "n_resamples": self.n_resamples,
                               "seed": self.seed}
        if self.per_task:
            out["per_task"] = {t: i.as_dict() for t, i in self.per_task.items()}
        return out


def _signed(value: float, digits: int) -> str:
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        text = f"{0.0:+.{digits}f}"
    return text.replace("-", "\u2212")


def format_difference(interval: Interval, digits: int = 1) -> str:
    """``Δ +1.2 [−0.4, +2.9]``: signs always shown, a true minus sign."""
    return (f"\u0394 {_signed(interval.estimate, digits)} "
            f"[{_signed(interval.low, digits)}, {_signed(interval.high, digits)}]")


def format_score(interval: Interval, digits: int = 1) -> str:
    """``71.3 [69.0, 73.5]``: a score, not a difference, so no forced sign."""
    def plain(v: float) -> str:
        return f"{v:.{digits}f}".replace("-", "\u2212")
    return f"{plain(interval.estimate)} [{plain(interval.low)}, {plain(interval.high)}]"


@dataclass(frozen=True)
class Draws:
    """Configurations' seed-mean task scores, on the full data and on each resample."""

    tasks: tuple[str, ...]
    full: Mapping[str, Mapping[str, float]]
    """configuration -> task -> mean over its seeds of the full-data score."""
    resampled: Mapping[str, Mapping[str, np.ndarray]]
    """configuration -> task -> ``(n_resamples,)`` seed-mean scores."""
    n_resamples: int
    seed: int
    paired_seeds: bool

    def average(self, config: str, average: Average | None = None
                ) -> tuple[float, np.ndarray]:
        """The configuration's average over tasks: full data, and per resample."""
        full = self.full[config]
        draws = self.resampled[config]
        if average is None:
            return (float(np.mean([full[t] for t in self.tasks])),
                    np.mean([draws[t] for t in self.tasks], axis=0))
        estimate = _checked_average(average, full)
        per_resample = np.array([
            _checked_average(average, {t: float(draws[t][b]) for t in self.tasks})
            for b in range(self.n_resamples)])
        return estimate, per_resample


def _checked_average(average: Average, scores: Mapping[str, float]) -> float:
    value = average(scores)
    if value is None or not math.isfinite(value):
        raise BenchmarkError(
            f"the average of tasks {', '.join(scores)} came out as {value!r}: the averaging "
            f"function needs tasks that were not given (a suite average over an incomplete "
            f"suite); pass every task of the suite, or average=None for a plain mean")
    return float(value)


def percentile_interval(estimate: float, samples: np.ndarray, *, level: float,
                        n_resamples: int, seed: int,
                        per_task: Mapping[str, Interval] | None = None) -> Interval:
    """The interval between the (1 - level)/2 and (1 + level)/2 quantiles of ``samples``."""
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    return Interval(float(estimate), float(low), float(high), level, n_resamples, seed,
                    dict(per_task or {}))


def _check_resamples(n_resamples: int) -> None:
    if not isinstance(n_resamples, int | np.integer) or n_resamples < MIN_RESAMPLES:
        raise BenchmarkError(
            f"n_resamples={n_resamples!r}: the ends of an interval need at least "
            f"{MIN_RESAMPLES} resamples; use the default {DEFAULT_RESAMPLES}")


def _check_settings(n_resamples: int, level: float) -> None:
    _check_resamples(n_resamples)
    if not 0 < level < 1:
        raise BenchmarkError(f"level={level!r} is not a coverage in (0, 1); use 0.95 for a "
                             f"95% interval")


def _prediction_arrays(configs: Mapping[str, Predictions], tasks: Mapping[str, TaskEval]
                       ) -> dict[str, dict[Hashable, dict[str, np.ndarray]]]:
    """Every configuration's predictions as arrays, checked against the tasks' gold."""
    if not tasks:
        raise BenchmarkError("no tasks to score; give at least one task's gold labels")
    out: dict[str, dict[Hashable, dict[str, np.ndarray]]] = {}
    for name, by_seed in configs.items():
        if not by_seed:
            raise BenchmarkError(f"configuration {name!r} has no seeds; give the predictions "
                                 f"of at least one run")
        out[name] = {}
        for seed, by_task in by_seed.items():
            missing = [t for t in tasks if t not in by_task]
            if missing:
                raise BenchmarkError(
                    f"configuration {name!r}, seed {seed!r}: no predictions for "
                    f"{', '.join(missing)}; compare on the tasks every run predicted")
            arrays = {}
            for task, evaluation in tasks.items():
                pred = np.asarray(by_task[task])
                if pred.shape != evaluation.gold.shape:
                    raise BenchmarkError(
                        f"configuration {name!r}, seed {seed!r}, task {task!r}: predictions "
                        f"of shape {pred.shape} for {len(evaluation.gold)} evaluation examples;"
                        f" predict the same examples, in the same order, as the gold labels")
                if pred.dtype.kind == "f" and not np.isfinite(pred).all():
                    raise BenchmarkError(
                        f"configuration {name!r}, seed {seed!r}, task {task!r}: predictions "
                        f"hold NaN or infinite values; rerun or leave out that run")
                arrays[task] = pred
            out[name][seed] = arrays
    return out


def resample_scores(configs: Mapping[str, Predictions], tasks: Mapping[str, TaskEval], *,
                    n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Draws:
    """Seed-mean task scores of each configuration on ``n_resamples`` paired resamples.

    Reproducible: the same inputs and ``seed`` give the same draws. Tasks in ``tasks``
    are scored; a run's predictions for other tasks are ignored.
    """
    _check_resamples(n_resamples)
    arrays = _prediction_arrays(configs, tasks)
    seed_sets = [tuple(by_seed) for by_seed in arrays.values()]
    paired = all(set(s) == set(seed_sets[0]) for s in seed_sets)
    streams = np.random.SeedSequence(seed).spawn(1 + len(tasks))
    seed_draws = _seed_draws(dict(zip(arrays, seed_sets, strict=True)),
                             np.random.default_rng(streams[0]), n_resamples)
    full: dict[str, dict[str, float]] = {name: {} for name in arrays}
    resampled: dict[str, dict[str, np.ndarray]] = {name: {} for name in arrays}
    for stream, (task, evaluation) in zip(streams[1:], tasks.items(), strict=True):
        rng = np.random.default_rng(stream)
        per_seed = {name: np.empty((len(by_seed), n_resamples))
                    for name, by_seed in arrays.items()}
        chunk = max(1, _CHUNK_ELEMENTS // len(evaluation.gold))
        for start in range(0, n_resamples, chunk):
            rows = min(chunk, n_resamples - start)
            idx = evaluation.draw(rng, rows)
            for name, by_seed in arrays.items():
                for j, by_task in enumerate(by_seed.values()):
                    per_seed[name][j, start:start + rows] = evaluation.score(by_task[task], idx)
        for name, by_seed in arrays.items():
            full[name][task] = float(np.mean([evaluation.score(p[task])[0]
                                              for p in by_seed.values()]))
            drawn = per_seed[name][seed_draws[name].T, np.arange(n_resamples)]
            resampled[name][task] = drawn.mean(axis=0)
    return Draws(tuple(tasks), full, resampled, n_resamples, seed, paired)


def _seed_draws(seed_sets: Mapping[str, tuple[Hashable, ...]], rng: np.random.Generator,
                n_resamples: int) -> dict[str, np.ndarray]:
    """configuration -> ``(n_resamples, its seeds)`` positions of its drawn seeds.

    Configurations with the same seed set share one draw (seed 13 drawn for one is drawn
    for the other), so their difference pairs the seeds; a configuration with another seed
    set (a missing run) gets a draw of its own and leaves the others' pairing intact.
    """
    shared: dict[frozenset[Hashable], tuple[list[Hashable], np.ndarray]] = {}
    draws = {}
    for name, seeds in seed_sets.items():
        key = frozenset(seeds)
        if key not in shared:
            shared[key] = (list(seeds), rng.integers(len(seeds), size=(n_resamples, len(seeds))))
        order, drawn = shared[key]
        position = np.array([order.index(s) for s in seeds])
        draws[name] = np.argsort(position)[drawn]
    return draws


def bootstrap_difference(a: Predictions, b: Predictions, tasks: Mapping[str, TaskEval], *,
                         average: Average | None = None, n_resamples: int = DEFAULT_RESAMPLES,
                         level: float = 0.95, seed: int = 0,
                         names: Sequence[str] = ("a", "b")) -> Interval:
    """Δ = score(a) − score(b): of the average over ``tasks`` and (``per_task``) of each
    task, in points of the 0..100 scores, with a paired hierarchical bootstrap interval."""
    _check_settings(n_resamples, level)
    name_a, name_b = names
    if name_a == name_b:
        raise BenchmarkError(f"both configurations are named {name_a!r}; give two names")
    draws = resample_scores({name_a: a, name_b: b}, tasks, n_resamples=n_resamples, seed=seed)
    return difference_interval(draws, name_a, name_b, average=average, level=level)


def bootstrap_score(config: Predictions, tasks: Mapping[str, TaskEval], *,
                    average: Average | None = None, n_resamples: int = DEFAULT_RESAMPLES,
                    level: float = 0.95, seed: int = 0, name: str = "configuration"
                    ) -> Interval:
    """One configuration's average score (and ``per_task`` scores) with its interval."""
    _check_settings(n_resamples, level)
    draws = resample_scores({name: config}, tasks, n_resamples=n_resamples, seed=seed)
    return score_interval(draws, name, average=average, level=level)


def score_interval(draws: Draws, name: str, *, average: Average | None = None,
                   level: float = 0.95) -> Interval:
    """A configuration's average (and ``per_task``) score interval from drawn resamples."""
    per_task = {t: percentile_interval(draws.full[name][t], draws.resampled[name][t],
                                       level=level, n_resamples=draws.n_resamples,
                                       seed=draws.seed)
                for t in draws.tasks}
    estimate, samples = draws.average(name, average)
    return percentile_interval(estimate, samples, level=level, n_resamples=draws.n_resamples,
                               seed=draws.seed, per_task=per_task)


def difference_interval(draws: Draws, a: str, b: str, *, average: Average | None = None,
                        level: float = 0.95) -> Interval:
    """Δ = a − b of the average (and ``per_task``) from the same drawn resamples: paired."""
    per_task = {
        t: percentile_interval(draws.full[a][t] - draws.full[b][t],
                               draws.resampled[a][t] - draws.resampled[b][t],
                               level=level, n_resamples=draws.n_resamples, seed=draws.seed)
        for t in draws.tasks}
    full_a, samples_a = draws.average(a, average)
    full_b, samples_b = draws.average(b, average)
    return percentile_interval(full_a - full_b, samples_a - samples_b, level=level,
                               n_resamples=draws.n_resamples, seed=draws.seed,
                               per_task=per_task)
