"""The registry: built-in tasks, suites, diagnostics, and refusals with did-you-mean."""

from __future__ import annotations

import dataclasses

import pytest

from benchmark.errors import UnknownNameError
from benchmark.tasks import registry
from benchmark.tasks.registry import (
    get_suite,
    get_suite_diagnostics,
    get_task,
    register_task,
    suite_names,
    task_names,
)


def test_builtin_tasks_and_suites() -> None:
    assert task_names()[:10] == ["cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte",
                                 "wnli", "ax"]
    assert {"boolq", "cb", "copa", "multirc", "record", "wic", "wsc", "axb", "axg"} <= set(
        task_names())
    assert suite_names()[:3] == ["glue", "superglue", "glue+superglue"]
    assert len(get_suite("glue")) == 9 and "ax" not in get_suite("glue")
    assert get_suite("superglue") == ("boolq", "cb", "copa", "multirc", "record", "rte", "wic",
                                      "wsc")
    assert get_suite("glue+superglue").count("rte") == 1
    assert get_suite_diagnostics("glue") == ("ax",)
    assert get_suite_diagnostics("superglue") == ("axb", "axg")


def test_diagnostics_are_marked_with_the_model_that_predicts_them() -> None:
    assert get_task("ax").evaluated_with == "mnli"
    assert get_task("ax").labels == get_task("mnli").labels
    for name in ("axb", "axg"):
        task = get_task(name)
        assert task.evaluated_with == "rte" and task.is_diagnostic
        assert task.labels == get_task("rte").labels and "train" not in task.splits
    assert not any(get_task(n).is_diagnostic for n in get_suite("glue+superglue"))


def test_task_shapes() -> None:
    assert get_task("stsb").task_type == "regression" and get_task("stsb").num_outputs == 1
    assert get_task("copa").task_type == "multiple_choice"
    assert get_task("record").task_type == "multiple_choice"
    assert get_task("cb").num_outputs == 3
    assert get_task("mnli").eval_splits == ("dev", "dev_mismatched")
    assert get_task("mnli").test_splits == ("test", "test_mismatched")
    assert get_task("sst2").title == "SST-2"


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'sst2'"):
        get_task("sst-2")
    with pytest.raises(UnknownNameError, match="Did you mean 'superglue'"):
        get_suite("super_glue")


def test_register_refuses_duplicates_and_bad_declarations(monkeypatch) -> None:
    get_task("rte")
    monkeypatch.setattr(registry, "_TASKS", dict(registry._TASKS))
    rte = get_task("rte")
    with pytest.raises(ValueError, match="already registered"):
        register_task(rte)
    with pytest.raises(ValueError, match="do not fit a classification task"):
        register_task(dataclasses.replace(rte, name="rte2", metrics=("pearson",)))
    with pytest.raises(ValueError, match="f1 needs exactly two labels"):
        register_task(dataclasses.replace(get_task("cb"), name="cb2", metrics=("f1",)))
    register_task(dataclasses.replace(rte, name="rte_copy"))
    assert get_task("rte_copy").labels == rte.labels


def test_the_composite_suites_are_declared_as_data_and_counted_by_benchmark() -> None:
    from benchmark.tasks.registry import composite_suite, get_suite, get_suite_diagnostics

    assert get_suite("mrqa") == ("squad", "newsqa", "triviaqa", "searchqa", "hotpotqa",
                                 "naturalquestions")
    tasks24, tasks26 = get_suite("24-task"), get_suite("26-task")
    assert len(tasks24) == 23 and tasks24.count("rte") == 1  # trained once
    assert set(tasks26) - set(tasks24) == {"scitail", "snli"}
    assert composite_suite("24-task").counted_tasks(tasks24) == 24
    assert composite_suite("26-task").counted_tasks(tasks26) == 26
    assert composite_suite("24-task").counted_tasks(["rte", "cola"]) == 3
    assert composite_suite("24-task").reconstructed and not composite_suite("mrqa").reconstructed
    assert get_suite_diagnostics("26-task") == ("ax", "axb", "axg")
    assert composite_suite("glue") is None


def test_a_malformed_suite_declaration_is_refused() -> None:
    from benchmark.tasks.composite import build_composites

    with pytest.raises(ValueError, match="give tasks or include"):
        build_composites({"x": {"tasks": ["rte"], "include": ["glue"]}}, lambda s: (),
                         lambda s: ())
