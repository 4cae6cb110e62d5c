"""The resampled metrics agree, resample by resample, with benchmark.metrics.functions."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.errors import BenchmarkError
from benchmark.metrics import functions as F
from benchmark.metrics import main_score
from benchmark.metrics.core import PER_EXAMPLE_METRICS
from benchmark.stats import CallableMetric, make_task_eval, metric_named, task_eval
from benchmark.tasks.registry import get_task

REFERENCE = PER_EXAMPLE_METRICS
"""The harness's own metric functions: each resample must score as they do."""


def _data(name: str, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    if name in ("pearson", "spearman"):
        gold = rng.integers(0, 6, n).astype(float)  # ties, as STS-B's half-point scores
        return gold + rng.normal(0, 1.5, n), gold
    classes = 3 if name in ("macro_f1", "matthews") else 2
    gold = rng.integers(0, classes, n)
    return np.where(rng.random(n) < 0.7, gold, rng.integers(0, classes, n)), gold


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_every_resample_equals_the_reference_metric_on_that_resample(name: str) -> None:
    rng = np.random.default_rng(3)
    pred, gold = _data(name, rng, 40)
    idx = rng.integers(0, 40, size=(30, 40))
    got = metric_named(name).resampled(pred, gold, idx)
    want = [REFERENCE[name](list(pred[row]), list(gold[row])) for row in idx]
    assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_the_identity_resample_gives_the_full_set_metric(name: str) -> None:
    pred, gold = _data(name, np.random.default_rng(4), 50)
    metric = metric_named(name)
    full = REFERENCE[name](list(pred), list(gold))
    assert metric.resampled(pred, gold, np.arange(50)[None, :])[0] == pytest.approx(full)
    assert metric(pred, gold) == pytest.approx(full)


def test_small_resamples_hit_the_undefined_cases_as_the_reference_does() -> None:
    pred, gold = np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1])
    # a resample of one example: MCC undefined (0.0), F1 of a missing positive class 0.0
    idx = np.array([[1, 1, 1, 1], [0, 0, 0, 0], [2, 2, 2, 2], [0, 1, 2, 3]])
    for name in ("f1", "macro_f1", "matthews", "pearson", "spearman"):
        got = metric_named(name).resampled(pred, gold, idx)
        want = [REFERENCE[name](list(pred[r]), list(gold[r])) for r in idx]
        assert got == pytest.approx(want), name


def test_f1_of_a_positive_class_no_one_uses_is_zero() -> None:
    pred = gold = np.array([0, 0, 2, 2])
    assert metric_named("f1")(pred, gold) == 0.0 == F.f1_binary(list(pred), list(gold))


def test_callable_metric_recomputes_any_function_per_resample() -> None:
    rng = np.random.default_rng(5)
    pred, gold = rng.integers(0, 2, 30), rng.integers(0, 2, 30)
    idx = rng.integers(0, 30, size=(10, 30))
    wrapped = CallableMetric("mcc", F.matthews)
    assert wrapped.resampled(pred, gold, idx) == pytest.approx(
        metric_named("matthews").resampled(pred, gold, idx))


def test_task_score_is_main_score_mrpc_averages_f1_and_accuracy() -> None:
    task = get_task("mrpc")
    pred, gold = _data("f1", np.random.default_rng(6), 60)
    evaluation = task_eval(task, gold)
    metrics = {"f1": F.f1_binary(list(pred), list(gold)), "accuracy": F.accuracy(pred, gold)}
    assert evaluation.score(pred)[0] == pytest.approx(main_score(task, metrics))


def test_mnli_splits_are_resampled_within_themselves_and_averaged() -> None:
    task = get_task("mnli")
    rng = np.random.default_rng(7)
    matched = rng.integers(0, 3, 20)
    pred = np.concatenate([matched, np.zeros(30, dtype=int)])
    evaluation = task_eval(task, np.concatenate([matched, rng.integers(0, 3, 30)]), (20, 30))
    idx = evaluation.draw(np.random.default_rng(0), 50)
    assert idx.shape == (50, 50)
    assert idx[:, :20].max() < 20 <= idx[:, 20:].min()
    mm_acc = F.accuracy(list(pred[20:]), list(evaluation.gold[20:]))
    assert evaluation.score(pred)[0] == pytest.approx(100 * (1.0 + mm_acc) / 2)
    assert (evaluation.score(pred, idx) >= 50).all()  # matched is all right in every resample


@pytest.mark.parametrize(("gold", "sizes", "message"), [
    (np.array([]), (), "non-empty"),
    (np.zeros((2, 2)), (), "1-D"),
    (np.array([1.0, np.nan]), (), "NaN"),
    (np.zeros(5), (2, 2), "do not add up"),
])
def test_bad_gold_labels_are_named(gold, sizes, message) -> None:
    with pytest.raises(BenchmarkError, match=message):
        make_task_eval(gold, [metric_named("accuracy")], sizes)


def test_unknown_metric_lists_the_known_ones() -> None:
    with pytest.raises(BenchmarkError, match="known: accuracy, f1"):
        metric_named("bleu")
