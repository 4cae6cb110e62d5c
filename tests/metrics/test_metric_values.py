"""Golden values, computed by hand, for every metric the leaderboards use."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.data.examples import Example
from benchmark.metrics import compute_metrics, main_score, metric_keys, score_examples
from benchmark.metrics import functions as F
from benchmark.tasks.registry import get_task

PRED = [1, 1, 0, 0, 1, 0]
GOLD = [1, 0, 0, 0, 1, 1]  # tp=2 fp=1 tn=2 fn=1


def test_accuracy_f1_matthews_binary() -> None:
    assert F.accuracy(PRED, GOLD) == pytest.approx(4 / 6)
    assert F.f1_binary(PRED, GOLD) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert F.matthews(PRED, GOLD) == pytest.approx((2 * 2 - 1 * 1) / 9)


def test_matthews_multiclass_and_degenerate() -> None:
    # c=2 of s=4; pred counts (2,1,1), true counts (1,2,1): (2*4-5)/sqrt((16-6)(16-6))
    assert F.matthews([0, 1, 2, 0], [0, 1, 1, 2]) == pytest.approx(0.3)
    assert F.matthews([1, 1, 1], [0, 1, 0]) == 0.0  # constant prediction
    assert F.matthews([0, 1, 1, 0], [0, 1, 1, 0]) == pytest.approx(1.0)


def test_macro_f1() -> None:
    # class 0: tp2 fp2 fn1 -> 4/7; class 1: tp0 -> 0; class 2: tp1 fp1 fn0 -> 2/3
    assert F.macro_f1([0, 0, 0, 0, 2, 2], [0, 0, 1, 1, 2, 0]) == pytest.approx(
        (4 / 7 + 0 + 2 / 3) / 3)


def test_correlations() -> None:
    assert F.pearson([1, 2, 3, 4], [2, 4, 5, 9]) == pytest.approx(11 / 130 ** 0.5)
    assert F.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(1 - 6 * 2 / (4 * 15))
    assert F.pearson([2, 2, 2], [1, 2, 3]) == 0.0  # undefined: constant prediction


def test_multirc_f1a_over_options_and_em_per_question() -> None:
    preds = [1, 0, 1, 1, 1, 0]
    golds = [1, 0, 1, 0, 1, 1]
    groups = ["q1", "q1", "q1", "q2", "q2", "q3"]
    scores = F.multirc_scores(preds, golds, groups)
    assert scores["f1a"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))
    assert scores["em"] == pytest.approx(1 / 3)


def test_record_normalisation_f1_and_em() -> None:
    assert F.normalize_answer("The  Big, Apple.") == "big apple"
    assert F.normalize_answer("An Eiffel-Tower!") == "eiffeltower"
    assert F.normalize_answer("Theatre a") == "theatre"
    scores = F.record_scores(
        ["the Big Apple", "New York City", "an apple pie"],
        [["Big Apple", "New York"], ["New York"], ["Apple"]],
    )
    assert scores["em"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx((1 + 0.8 + 2 / 3) / 3)


def test_gender_parity() -> None:
    preds = [1, 1, 0, 1, 0, 0]
    groups = ["p0", "p0", "p1", "p1", "p2", "p2"]
    assert F.gender_parity(preds, groups) == pytest.approx(2 / 3)


def test_compute_metrics_per_task() -> None:
    assert compute_metrics(get_task("mrpc"), PRED, GOLD) == pytest.approx(
        {"f1": 2 / 3, "accuracy": 4 / 6})
    assert compute_metrics(get_task("cola"), PRED, GOLD) == pytest.approx({"matthews": 1 / 3})
    cb = compute_metrics(get_task("cb"), [0, 0, 0, 0, 2, 2], [0, 0, 1, 1, 2, 0])
    assert cb == pytest.approx({"macro_f1": (4 / 7 + 2 / 3) / 3, "accuracy": 0.5})
    stsb = compute_metrics(get_task("stsb"), [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 9.0])
    assert stsb == pytest.approx({"pearson": 11 / 130 ** 0.5, "spearman": 1.0})
    axg = compute_metrics(get_task("axg"), [1, 1, 0, 1], [1, 1, 0, 0], groups=["a", "a", "b", "b"])
    assert axg == pytest.approx({"gender_parity": 0.5, "accuracy": 0.75})
    record = compute_metrics(get_task("record"), ["Big Apple"], None,
                             meta=[{"answers": ("the big apple",)}])
    assert record == {"f1": 1.0, "em": 1.0}
    # choice indices (as a model predicts them) resolve through meta["entities"]
    meta = [{"entities": ("Paris", "New York"), "answers": ("New York City",)}]
    record = compute_metrics(get_task("record"), list(np.array([1])), [None], meta=meta)
    assert record == pytest.approx({"f1": 0.8, "em": 0.0})


def test_mnli_mismatched_keys_and_score() -> None:
    mnli = get_task("mnli")
    assert metric_keys(mnli) == ("accuracy", "accuracy_dev_mismatched")
    matched = compute_metrics(mnli, [0, 1, 2, 2], [0, 1, 2, 0], split="dev")
    mismatched = compute_metrics(mnli, [0, 1], [0, 0], split="dev_mismatched")
    assert matched == {"accuracy": 0.75} and mismatched == {"accuracy_dev_mismatched": 0.5}
    assert main_score(mnli, {**matched, **mismatched}) == pytest.approx(62.5)
    with pytest.raises(ValueError, match="without accuracy_dev_mismatched"):
        main_score(mnli, matched)


def test_main_score_is_the_mean_of_metrics_on_0_100() -> None:
    assert main_score(get_task("mrpc"), {"f1": 0.9, "accuracy": 0.8}) == pytest.approx(85.0)
    assert main_score(get_task("cola"), {"matthews": 0.605}) == pytest.approx(60.5)
    assert main_score(get_task("multirc"), {"f1a": 0.8, "em": 0.4}) == pytest.approx(60.0)


def test_unlabelled_references_are_refused() -> None:
    with pytest.raises(ValueError, match="unlabelled"):
        compute_metrics(get_task("rte"), [0, 1], [0, None])
    with pytest.raises(ValueError, match="unlabelled"):
        compute_metrics(get_task("stsb"), [0.5, 1.0], [float("nan"), 2.0])


def test_score_examples_uses_groups_and_entities() -> None:
    multirc = get_task("multirc")
    examples = [Example(f"m{i}", ("p", "q a"), label=g, group=q)
                for i, (g, q) in enumerate([(1, "q1"), (0, "q1"), (1, "q2")])]
    assert score_examples(multirc, examples, [1, 0, 0]) == pytest.approx(
        {"f1a": 2 / 3, "em": 0.5})
    record = get_task("record")
    examples = [Example("r1", None, (("p", "x"), ("p", "y")), label=1, group="1",
                        meta={"entities": ("Paris", "London"), "answers": ("London",)})]
    assert score_examples(record, examples, [1]) == {"f1": 1.0, "em": 1.0}
    assert score_examples(record, examples, [0]) == {"f1": 0.0, "em": 0.0}
    copa = get_task("copa")
    examples = [Example("c", None, (("a", "b"), ("a", "c")), label=1)]
    assert score_examples(copa, examples, [1]) == {"accuracy": 1.0}
