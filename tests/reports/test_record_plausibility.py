"""Plausibility: each check refuses the impossible number it is for and passes the harness's."""

from __future__ import annotations

import pytest

from benchmark.metrics.ranges import METRIC_RANGES, metric_name, score_range
from benchmark.results.plausibility import (
    non_finite_problems,
    parameter_problems,
    score_problems,
    step_bound,
    suite_average_problems,
    training_problems,
    usage_problems,
)
from benchmark.results.validate import record_problems
from benchmark.tasks.registry import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    STRUCTURED_METRICS,
    get_suite,
    get_task,
    task_names,
)


def test_every_metric_a_task_may_declare_has_a_range():
    allowed = CLASSIFICATION_METRICS | REGRESSION_METRICS | set().union(
        *STRUCTURED_METRICS.values())
    used = {m for name in task_names() for m in get_task(name).metrics}
    assert allowed | used <= set(METRIC_RANGES)


@pytest.mark.parametrize("key, name", [("accuracy", "accuracy"), ("macro_f1", "macro_f1"),
                                       ("f1a", "f1a"), ("accuracy_dev_mismatched", "accuracy"),
                                       ("f1_dev", "f1"), ("loss", None)])
def test_metric_name(key, name):
    assert metric_name(key) == name


def test_score_range_follows_the_metrics():
    assert score_range(["f1", "accuracy"]) == (0.0, 100.0)  # MRPC
    assert score_range(["pearson", "spearman"]) == (-100.0, 100.0)  # STS-B
    assert score_range(["gender_parity", "accuracy"]) == (0.0, 100.0)  # AX-g
    assert score_range([]) == (-100.0, 100.0)


def test_a_built_record_passes_every_check(make_record):
    assert record_problems(make_record()) == []
    assert record_problems(make_record("stl", 2, {"sst2": 90.0, "cola": 30.0})) == []


def test_scores(make_record):
    record = make_record()
    record["metrics"]["rte"]["accuracy"] = 7.5
    record["main_scores"]["mrpc"] = 1000.0
    record["metrics"]["mrpc"]["accuracy"] = 10.0
    record["metrics"]["mrpc"]["loss"] = 0.3
    record["history"][0]["main_scores"]["rte"] = -50.0
    assert score_problems(record) == [
        "metrics.rte.accuracy: 7.5 is outside accuracy's range [0, 1]",
        "metrics.mrpc.accuracy: 10 is outside accuracy's range [0, 1]",
        "metrics.mrpc.loss: unknown metric (known: accuracy, em, entity_f1, entity_precision, "
        "entity_recall, f1, f1a, gender_parity, macro_f1, matthews, pearson, spearman, "
        "surface_f1, surface_precision, surface_recall)",
        "main_scores.rte: 70 is not 100 x the mean of metrics.rte (750)",
        "main_scores.mrpc: 1000 is outside [0, 100], the range of its task score",
        "history.0.main_scores.rte: -50 is outside [0, 100], the range of its task score",
    ]


def test_correlation_scores_may_be_negative(make_record):
    record = make_record(scores={"stsb": 40.0})
    record["metrics"]["stsb"] = {"pearson": -0.5, "spearman": -0.3}
    record["main_scores"]["stsb"] = -40.0
    record["history"][0]["main_scores"]["stsb"] = -60.0
    assert score_problems(record) == []
    record["metrics"]["stsb"]["accuracy"] = -0.5
    assert score_problems(record) == [
        "metrics.stsb.accuracy: -0.5 is outside accuracy's range [0, 1]",
        "main_scores.stsb: -40 is not 100 x the mean of metrics.stsb (-43.3333)"]
    del record["metrics"]["stsb"]["accuracy"]
    record["main_scores"]["stsb"] = -101.0
    assert score_problems(record) == [
        "main_scores.stsb: -101 is outside [-100, 100], the range of its task score"]


def test_suite_average_is_recomputed_for_a_known_suite(make_record):
    glue = dict.fromkeys(get_suite("glue"), 70.0)
    record = make_record(scores={**glue, "rte": 79.0})
    assert record["suite_average"] == pytest.approx(71.0)
    assert suite_average_problems(record) == []
    record["suite_average"] = 72.0
    assert suite_average_problems(record) == [
        "suite_average: 72 is not the mean of suite 'glue''s task scores (71)"]
    partial = make_record()
    partial["suite_average"] = 75.0
    assert suite_average_problems(partial) == [
        "suite_average: 75 is given, but not every task of suite 'glue' has a score; it must "
        "be null"]
    assert suite_average_problems(make_record(suite_average=None)) == []


def test_suite_average_of_an_unknown_suite_lies_between_the_scores(make_record):
    record = make_record(scores={"a": 60.0, "b": 80.0}, suite="my-user-suite")
    assert record["suite_average"] == 70.0 and suite_average_problems(record) == []
    record["suite_average"] = 108.0
    assert suite_average_problems(record) == [
        "suite_average: 108 cannot be a mean of the record's task scores (between 60 and 80)"]


def test_usage_counts(make_record):
    record = make_record()  # 50 available per task, 33 updated, 50 seen, 1 epoch of 14 steps
    rte = record["data_usage"]["per_task"]["rte"]
    rte["updated"] = 10**9
    record["data_usage"]["per_task"]["mrpc"]["available"] = 70
    record["budget"]["train_examples"] = {"rte": 50, "mrpc": 50}
    record["data_usage"]["per_task"]["ghost"] = {"available": 0, "updated": 0, "seen": 0,
                                                 "ratio": 0.0}
    problems = usage_problems(record)
    assert problems == [
        "data_usage.per_task.rte.updated: 1000000000 distinct examples updated, but only 50 "
        "available",
        "data_usage.per_task.rte.updated: 1000000000 updated, but only 50 seen (an updated "
        "example was seen first)",
        "data_usage.per_task.rte.ratio: 0.66 is not updated / available (2e+07)",
        "data_usage.per_task.mrpc.ratio: 0.66 is not updated / available (0.471429)",
        "data_usage.per_task.mrpc.available: 70 but budget.train_examples.mrpc is 50",
        "data_usage.per_task.ghost: 'ghost' is not one of the record's tasks",
        "data_usage.overall.available: 100 is not the sum over tasks (120)",
        "data_usage.overall.updated: 66 is not the sum over tasks (1000000033)",
    ]


def test_seen_is_bounded_by_what_the_steps_could_draw(make_record):
    record = make_record()
    record["training"]["steps"] = 3  # 3 steps of at most 8 examples
    assert usage_problems(record) == [
        "data_usage.per_task.rte.seen: 50 examples cannot be drawn in 3 steps of at most 8",
        "data_usage.per_task.mrpc.seen: 50 examples cannot be drawn in 3 steps of at most 8",
    ]


def test_step_bound_covers_every_sampler_and_per_task_models(make_record):
    record = make_record()  # 2 tasks x 50 examples, batches of 8 -> 7 batches each, 1 epoch
    assert step_bound(record) == (14, "2 task(s) x ceil(1 epochs x 7 batches of the largest "
                                      "task)")
    record["budget"]["max_steps"] = 5
    assert step_bound(record)[0] == 10
    record["data_usage"]["per_task"] = {}
    assert step_bound(record) is None


def test_steps_schedule_and_history_within_the_budget(make_record):
    record = make_record()
    record["training"]["steps"] = 10**13
    assert training_problems(record) == [
        "training.steps: 10000000000000 is more than the budget allows (14 = 2 task(s) x "
        "ceil(1 epochs x 7 batches of the largest task))"]
    record = make_record(steps=10)
    record["training"]["task_schedule"]["rte"] = [[1, 3], [8, 5]]
    record["training"]["task_schedule"]["ghost"] = []
    record["history"][1]["step"] = 11
    record["training"]["selected_steps"] = {"rte": 12}
    assert training_problems(record) == [
        "training.task_schedule.rte.1: steps 8 to 12 go past training.steps (10)",
        "training.task_schedule.ghost: 'ghost' is not one of the record's tasks",
        "history.1.step: 11 is after the last training step (10)",
        "training.selected_steps.rte: 12 is after the last training step (10)",
    ]


def test_parameter_definitions_hold(make_record):
    record = make_record()
    record["parameters"]["total_to_serve"] += 1
    record["parameters"]["trained_per_task"] *= 2
    problems = parameter_problems(record)
    assert problems[0].startswith("parameters.total_to_serve: 22700001 is not frozen_shared + "
                                  "trainable (22700000)")
    assert problems[1].startswith("parameters.trained_per_task: 1.135e+07 is not trainable / 2")
    record = make_record()
    record["parameters"]["trained_per_task_ratio"] = 0.9
    assert parameter_problems(record) == [
        "parameters.trained_per_task_ratio: 0.9 is not trained_per_task / backbone (0.25)"]


def test_non_finite_numbers_are_named_by_their_path():
    record = {"a": [1.0, {"b": float("nan")}], "c": float("-inf"), "d": 2}
    assert non_finite_problems(record) == ["a.1.b: nan is not a finite number",
                                           "c: -inf is not a finite number"]
