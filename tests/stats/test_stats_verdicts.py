"""Every verdict case on synthetic intervals and baseline flags."""

from __future__ import annotations

import pytest

from benchmark.errors import BenchmarkError
from benchmark.stats import (
    Verdict,
    definition_dependent,
    judge_difference,
    judge_exact,
)
from benchmark.stats.bootstrap import Interval


def _delta(low: float, high: float) -> Interval:
    return Interval((low + high) / 2, low, high, 0.95, 2000, 0)


LEARNED = {"camtl": {"rte": False, "cola": False, "sst2": True},
           "stl": {"rte": False, "cola": False, "sst2": False}}


@pytest.mark.parametrize(("low", "high", "direction", "expected"), [
    (0.4, 2.9, "greater", Verdict.SUPPORTED),
    (-2.9, -0.4, "greater", Verdict.CONTRADICTED),
    (-0.4, 2.9, "greater", Verdict.INCONCLUSIVE),
    (0.0, 2.9, "greater", Verdict.INCONCLUSIVE),  # touching the threshold is not beyond it
    (-2.9, -0.4, "less", Verdict.SUPPORTED),
    (0.4, 2.9, "less", Verdict.CONTRADICTED),
])
def test_three_way_verdict_from_the_side_the_interval_lies_on(low, high, direction,
                                                             expected) -> None:
    result = judge_difference(_delta(low, high), direction, at_baseline=LEARNED)
    assert result.verdict is expected
    assert result.interval == _delta(low, high)


def test_a_threshold_other_than_zero() -> None:
    # "competitive": within one point of the best other method
    assert judge_difference(_delta(-0.8, 0.5), threshold=-1.0).verdict is Verdict.SUPPORTED
    assert judge_difference(_delta(-3.0, -1.2), threshold=-1.0).verdict is (
        Verdict.CONTRADICTED)


def test_published_magnitude_is_checked_against_the_interval_not_the_verdict() -> None:
    inside = judge_difference(_delta(0.5, 3.0), published=2.8)
    outside = judge_difference(_delta(0.5, 2.0), published=2.8)
    assert inside.published_inside is True and outside.published_inside is False
    assert inside.verdict is outside.verdict is Verdict.SUPPORTED
    assert judge_difference(_delta(0.5, 2.0)).published_inside is None


def test_methods_at_baseline_on_most_tasks_did_not_learn() -> None:
    flags = {"camtl": {"rte": True, "cola": True, "sst2": False},
             "stl": {"rte": False, "cola": False, "sst2": False}}
    result = judge_difference(_delta(0.4, 2.9), at_baseline=flags, published=1.0)
    assert result.verdict is Verdict.DID_NOT_LEARN
    assert result.verdict == "inconclusive (did not learn at this budget)"
    assert "camtl at baseline on 2/3 tasks" in result.reason
    assert result.published_inside is True
    # at baseline on exactly half the tasks is not "most"
    half = {"camtl": {"rte": True, "cola": False}, "stl": {"rte": False, "cola": False}}
    assert judge_difference(_delta(0.4, 2.9), at_baseline=half).verdict is Verdict.SUPPORTED


def test_exact_figures_have_no_inconclusive() -> None:
    assert judge_exact(-1.5e7, "less").verdict is Verdict.SUPPORTED
    assert judge_exact(0.0, "less").verdict is Verdict.CONTRADICTED
    assert judge_exact(5.9, "greater", threshold=4.6, published=5.6).measured == 5.9


def test_definition_dependent_figures_carry_their_definition() -> None:
    result = definition_dependent(71.2, "share of training examples drawn at least once",
                                  published=66.0)
    assert result.verdict is Verdict.DEFINITION_DEPENDENT
    assert "drawn at least once" in result.reason
    assert (result.measured, result.published, result.interval) == (71.2, 66.0, None)
    with pytest.raises(BenchmarkError, match="definition"):
        definition_dependent(71.2, " ")


def test_an_unknown_direction_is_named() -> None:
    with pytest.raises(BenchmarkError, match="neither 'greater' nor 'less'"):
        judge_difference(_delta(0.4, 2.9), "above")  # type: ignore[arg-type]


@pytest.mark.parametrize(("values", "verdict"), [
    ((65.0, 66.0, 67.0), "supported"),        # interval inside 61..71
    ((40.0, 41.0, 42.0), "contradicted"),     # entirely below the band
    ((55.0, 66.0, 75.0), "inconclusive"),     # wide: crosses an edge
    ((66.0,), "inconclusive"),                # one seed: no interval
])
def test_a_figure_around_a_published_value_is_judged_on_its_seed_interval(values, verdict):
    from benchmark.stats.verdicts import judge_within

    judged = judge_within(values, 66.0, 5.0)
    assert judged.verdict.value == verdict
    if len(values) > 1:
        assert judged.interval.low < judged.measured < judged.interval.high
    else:
        assert judged.interval is None and "one seed" in judged.reason


def test_judge_within_refuses_nan():
    from benchmark.errors import BenchmarkError
    from benchmark.stats.verdicts import judge_within

    with pytest.raises(BenchmarkError, match="finite"):
        judge_within([66.0, float("nan")], 66.0, 5.0)


def test_tasks_without_a_trivial_baseline_count_as_possibly_at_baseline() -> None:
    """Learning is judged over the compared tasks: a task with no trivial baseline (no
    constant predictor, no interval) might be at baseline, so a verdict needs the flagged
    tasks alone to show that at most half are."""
    tasks = ("rte", "cola", "squad", "record")
    two_known = {"camtl": {"rte": False, "cola": False}, "stl": {"rte": False, "cola": False}}
    assert judge_difference(_delta(0.4, 2.9), at_baseline=two_known,
                            tasks=tasks).verdict is Verdict.SUPPORTED
    one_known = {"camtl": {"rte": False}, "stl": {"rte": False, "cola": False}}
    result = judge_difference(_delta(0.4, 2.9), at_baseline=one_known, tasks=tasks)
    assert result.verdict is Verdict.LEARNING_UNKNOWN
    assert result.verdict == "inconclusive (learning not assessable)"
    assert "camtl: a trivial baseline on 1 of 4 tasks" in result.reason
    none_known = {"camtl": {}, "stl": {}}
    assert judge_difference(_delta(0.4, 2.9), at_baseline=none_known,
                            tasks=tasks).verdict is Verdict.LEARNING_UNKNOWN
    # at baseline on 3 of the 4 tasks did not learn, whatever the fourth shows
    failed = {"camtl": {"rte": True, "cola": True, "squad": True}, "stl": {}}
    result = judge_difference(_delta(0.4, 2.9), at_baseline=failed, tasks=tasks)
    assert result.verdict is Verdict.DID_NOT_LEARN and "3/4" in result.reason
