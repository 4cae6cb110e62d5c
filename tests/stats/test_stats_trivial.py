"""Trivial predictors and the at-baseline rule."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.errors import BenchmarkError
from benchmark.stats import (
    at_baseline,
    baseline_flags,
    bootstrap_difference,
    bootstrap_score,
    majority_class,
    make_task_eval,
    metric_named,
    training_mean,
    trivial_baseline,
    trivial_predictions,
)


def test_majority_class_breaks_ties_by_the_smallest_label() -> None:
    assert majority_class([2, 1, 2, 0]) == 2
    assert majority_class([1, 0, 1, 0]) == 0
    assert majority_class([0, 1, 0, 1]) == 0  # order of the training file does not matter
    assert majority_class(["neutral", "entailment", "neutral", "entailment"]) == "entailment"


def test_regression_predicts_the_training_mean() -> None:
    assert training_mean([1.0, 2.0, 4.5]) == pytest.approx(2.5)
    assert trivial_predictions("regression", [1.0, 3.0], 3).tolist() == [2.0, 2.0, 2.0]
    assert trivial_predictions("classification", [1, 1, 0], 2).tolist() == [1, 1]


def test_trivial_baseline_scores_the_evaluation_examples_with_their_noise() -> None:
    rng = np.random.default_rng(0)
    gold = (rng.random(400) < 0.6).astype(int)  # 60% class 1 on the eval set
    train = np.array([1] * 70 + [0] * 30)
    task = make_task_eval(gold, [metric_named("accuracy")])
    interval = trivial_baseline(task, "classification", train, n_resamples=1000)
    assert interval.estimate == pytest.approx(100 * gold.mean())
    assert interval.low < interval.estimate < interval.high
    assert interval.width == pytest.approx(2 * 1.96 * 100 * np.sqrt(0.24 / 400), rel=0.2)


def test_a_constant_prediction_has_zero_mcc_and_correlation_on_every_resample() -> None:
    rng = np.random.default_rng(1)
    for metric, kind, gold in (("matthews", "classification", rng.integers(0, 2, 100)),
                               ("pearson", "regression", rng.uniform(0, 5, 100))):
        task = make_task_eval(gold, [metric_named(metric)])
        interval = trivial_baseline(task, kind, gold[:50], n_resamples=200)
        assert (interval.low, interval.high) == (0.0, 0.0)


def test_at_baseline_judges_the_paired_gain_over_the_trivial_predictor() -> None:
    rng = np.random.default_rng(2)
    gold = rng.integers(0, 2, 300)
    tasks = {"cola": make_task_eval(gold, [metric_named("matthews")])}
    constant = trivial_predictions("classification", gold, len(gold))
    trivial = {s: {"cola": constant} for s in range(3)}
    guessing = {s: {"cola": rng.integers(0, 2, 300)} for s in range(3)}  # learned nothing
    learned = {s: {"cola": np.where(rng.random(300) < 0.8, gold, 1 - gold)} for s in range(3)}
    guess_gain = bootstrap_difference(guessing, trivial, tasks, n_resamples=500)
    learned_gain = bootstrap_difference(learned, trivial, tasks, n_resamples=500)
    assert at_baseline(guess_gain.per_task["cola"])
    assert not at_baseline(learned_gain.per_task["cola"])
    assert baseline_flags(guess_gain, ["cola"]) == {"cola": True}
    with pytest.raises(BenchmarkError, match="same tasks"):
        baseline_flags(guess_gain, ["rte"])


def test_the_paired_rule_sees_a_gain_that_overlapping_intervals_hide() -> None:
    """A method that fixes 15 of 400 majority-class errors: its interval overlaps the
    baseline's, but the paired gain is clearly above 0."""
    rng = np.random.default_rng(3)
    gold = (rng.random(400) < 0.6).astype(int)
    tasks = {"rte": make_task_eval(gold, [metric_named("accuracy")])}
    constant = trivial_predictions("classification", gold, len(gold))
    better = constant.copy()
    better[np.flatnonzero(gold != constant)[:15]] = 1 - constant[0]
    method = bootstrap_score({0: {"rte": better}}, tasks, n_resamples=1000)
    baseline = bootstrap_score({0: {"rte": constant}}, tasks, n_resamples=1000)
    assert method.per_task["rte"].low <= baseline.per_task["rte"].high  # intervals overlap
    gain = bootstrap_difference({0: {"rte": better}}, {0: {"rte": constant}}, tasks,
                                n_resamples=1000)
    assert not at_baseline(gain.per_task["rte"])



def test_empty_or_nan_training_labels_are_named() -> None:
    with pytest.raises(BenchmarkError, match="majority class"):
        majority_class([])
    with pytest.raises(BenchmarkError, match="NaN"):
        training_mean([1.0, float("nan")])
