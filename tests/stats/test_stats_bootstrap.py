"""Golden tests of the paired hierarchical bootstrap on synthetic data with known truth.

The synthetic runs mimic fine-tuning: each method gets each example right or wrong in
a way fixed by the example (a better method is right on a superset), and each seed
flips a seed-dependent share (2-12%) of those outcomes, so seeds disagree on a few
examples and differ a little in score, as real seeds do.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.errors import BenchmarkError
from benchmark.metrics import suite_average
from benchmark.stats import (
    bootstrap_difference,
    bootstrap_score,
    format_difference,
    format_score,
    make_task_eval,
    metric_named,
    resample_scores,
)
from benchmark.stats.bootstrap import Interval, difference_interval

FLIP_LOW, FLIP_HIGH = 0.02, 0.12
EDGE = 0.1  # A is right on 10% more examples than B before the seed flips
TRUE_DIFFERENCE = 100 * EDGE * (1 - (FLIP_LOW + FLIP_HIGH))  # E[flip] = 0.07 -> 8.6 points


def _runs(rng: np.random.Generator, right: np.ndarray, seeds: int) -> dict:
    """Predictions (gold is all zeros) of ``seeds`` runs whose base outcomes are ``right``."""
    out = {}
    for seed in range(seeds):
        flip = rng.random(len(right)) < rng.uniform(FLIP_LOW, FLIP_HIGH)
        out[seed] = {"task": np.where(right ^ flip, 0, 1)}
    return out


def _pair(rng: np.random.Generator, n: int = 300, seeds: int = 3):
    difficulty, draw = rng.uniform(0.5, 0.9, n), rng.random(n)
    tasks = {"task": make_task_eval(np.zeros(n, dtype=int), [metric_named("accuracy")])}
    return (_runs(rng, draw < difficulty + EDGE, seeds), _runs(rng, draw < difficulty, seeds),
            tasks)


def test_the_95_interval_covers_the_true_difference_in_about_95_percent_of_trials() -> None:
    rng = np.random.default_rng(1)
    covered = []
    for trial in range(200):
        a, b, tasks = _pair(rng)
        interval = bootstrap_difference(a, b, tasks, n_resamples=500, seed=trial)
        covered.append(interval.contains(TRUE_DIFFERENCE))
    # binomial sd at p=0.95, 200 trials: 1.5%; the two-way bootstrap is slightly conservative
    assert 0.90 <= np.mean(covered) <= 0.99


def test_identical_predictions_give_a_zero_width_interval_at_zero() -> None:
    a, _, tasks = _pair(np.random.default_rng(2))
    tasks["mcc"] = make_task_eval(np.arange(300) % 2, [metric_named("matthews")])
    for runs in a.values():
        runs["mcc"] = (np.arange(300) // 3) % 2
    interval = bootstrap_difference(a, a, tasks, n_resamples=500)
    assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)
    assert all(i.width == 0.0 for i in interval.per_task.values())
    assert format_difference(interval) == "\u0394 +0.0 [+0.0, +0.0]"


def test_pairing_is_real_the_paired_interval_is_narrow_and_the_unpaired_wide() -> None:
    # examples range from easy to hard; A is right exactly where B is, plus 20 examples
    rng = np.random.default_rng(3)
    n = 400
    b_right = rng.random(n) < 0.5
    a_right = b_right.copy()
    a_right[np.flatnonzero(~b_right)[:20]] = True
    tasks = {"task": make_task_eval(np.zeros(n, dtype=int), [metric_named("accuracy")])}
    a = {s: {"task": np.where(a_right, 0, 1)} for s in range(3)}
    b = {s: {"task": np.where(b_right, 0, 1)} for s in range(3)}
    paired = bootstrap_difference(a, b, tasks, n_resamples=1000, seed=0)
    one = resample_scores({"a": a}, tasks, n_resamples=1000, seed=1).resampled["a"]["task"]
    other = resample_scores({"b": b}, tasks, n_resamples=1000, seed=2).resampled["b"]["task"]
    low, high = np.quantile(one - other, [0.025, 0.975])
    assert paired.estimate == pytest.approx(100 * 20 / n)
    assert paired.low > 0 > low  # pairing finds the difference that unpaired noise hides
    assert paired.width < 0.5 * (high - low)


def test_seeds_are_paired_only_when_both_configurations_have_the_same_seeds() -> None:
    a, b, tasks = _pair(np.random.default_rng(4))
    assert resample_scores({"a": a, "b": b}, tasks, n_resamples=200).paired_seeds
    shuffled = {s: b[s] for s in reversed(list(b))}  # seed order does not matter
    assert resample_scores({"a": a, "b": shuffled}, tasks, n_resamples=200).paired_seeds
    other = {s + 100: runs for s, runs in b.items()}
    assert not resample_scores({"a": a, "b": other}, tasks, n_resamples=200).paired_seeds
    # paired seed draws: A and B drawn with the same seeds give identical resamples here
    same = resample_scores({"a": a, "b": dict(a)}, tasks, n_resamples=200)
    assert np.array_equal(same.resampled["a"]["task"], same.resampled["b"]["task"])


def test_seeded_reproducible_and_records_its_settings() -> None:
    a, b, tasks = _pair(np.random.default_rng(5))
    first = bootstrap_difference(a, b, tasks, n_resamples=300, seed=7)
    assert bootstrap_difference(a, b, tasks, n_resamples=300, seed=7) == first
    assert bootstrap_difference(a, b, tasks, n_resamples=300, seed=8) != first
    record = first.as_dict()
    assert (record["n_resamples"], record["seed"], record["level"]) == (300, 7, 0.95)
    assert record["per_task"]["task"]["estimate"] == first.per_task["task"].estimate


def test_average_is_over_tasks_and_accepts_the_suite_average() -> None:
    rng = np.random.default_rng(6)
    names = ("wnli", "rte")
    gold = {t: rng.integers(0, 2, 50) for t in names}
    tasks = {t: make_task_eval(gold[t], [metric_named("accuracy")]) for t in names}
    a = {0: {"wnli": gold["wnli"], "rte": 1 - gold["rte"]}}  # 100 and 0
    b = {0: {"wnli": 1 - gold["wnli"], "rte": 1 - gold["rte"]}}  # 0 and 0
    plain = bootstrap_difference(a, b, tasks, n_resamples=200)
    assert plain.estimate == pytest.approx(50.0)
    assert plain.per_task["wnli"].estimate == pytest.approx(100.0)
    assert plain.low == plain.high == pytest.approx(50.0)
    with pytest.raises(BenchmarkError, match="average=None for a plain mean"):
        bootstrap_difference(a, b, tasks, n_resamples=200,
                             average=lambda scores: suite_average("glue", scores))


def test_a_score_interval_has_the_width_sampling_theory_predicts() -> None:
    # 6,000 examples: more than one chunk of the index matrix; one seed, accuracy 0.8
    rng = np.random.default_rng(7)
    n = 6000
    gold = rng.integers(0, 2, n)
    pred = np.where(np.arange(n) < 0.8 * n, gold, 1 - gold)
    tasks = {"task": make_task_eval(gold, [metric_named("accuracy")])}
    interval = bootstrap_score({0: {"task": pred}}, tasks, n_resamples=1000)
    assert interval.estimate == pytest.approx(80.0)
    expected_width = 2 * 1.96 * 100 * np.sqrt(0.8 * 0.2 / n)
    assert interval.width == pytest.approx(expected_width, rel=0.15)
    assert interval.low < 80.0 < interval.high
    assert format_score(interval).startswith("80.0 [")


def test_formats_signs_and_true_minus() -> None:
    interval = Interval(1.23, -0.44, 2.94, 0.95, 2000, 0)
    assert format_difference(interval) == "\u0394 +1.2 [\u22120.4, +2.9]"
    assert format_difference(Interval(-0.04, -1.0, 0.5, 0.95, 2000, 0)) == (
        "\u0394 +0.0 [\u22121.0, +0.5]")


@pytest.mark.parametrize(("change", "message"), [
    (lambda a, b, t: (a, {0: {}}, t), "no predictions for task"),
    (lambda a, b, t: (a, {0: {"task": np.zeros(5)}}, t), "predict the same examples"),
    (lambda a, b, t: (a, {0: {"task": np.full(300, np.nan)}}, t), "NaN"),
    (lambda a, b, t: (a, {}, t), "has no seeds"),
    (lambda a, b, t: (a, b, {}), "no tasks"),
])
def test_bad_inputs_are_named(change, message) -> None:
    a, b, tasks = change(*_pair(np.random.default_rng(8)))
    with pytest.raises(BenchmarkError, match=message):
        bootstrap_difference(a, b, tasks, n_resamples=100)


def test_bad_settings_are_named() -> None:
    a, b, tasks = _pair(np.random.default_rng(9))
    with pytest.raises(BenchmarkError, match="at least 100 resamples"):
        bootstrap_difference(a, b, tasks, n_resamples=10)
    with pytest.raises(BenchmarkError, match="use 0.95"):
        bootstrap_difference(a, b, tasks, level=95)
    with pytest.raises(BenchmarkError, match="give two names"):
        bootstrap_difference(a, b, tasks, names=("x", "x"))


def test_a_row_missing_a_seed_leaves_the_other_rows_paired() -> None:
    """A third configuration with one seed fewer (a run that failed) gets its own seed
    draws; A and B, which share their seeds, keep theirs: A − B is what it was without it."""
    a, b, tasks = _pair(np.random.default_rng(5))
    partial = {s: runs for s, runs in list(b.items())[:-1]}
    alone = resample_scores({"a": a, "b": b}, tasks, n_resamples=300)
    beside = resample_scores({"a": a, "b": b, "c": partial}, tasks, n_resamples=300)
    assert not beside.paired_seeds
    assert difference_interval(beside, "a", "b") == difference_interval(alone, "a", "b")
    same = resample_scores({"a": a, "b": dict(a), "c": partial}, tasks, n_resamples=300)
    assert np.array_equal(same.resampled["a"]["task"], same.resampled["b"]["task"])
