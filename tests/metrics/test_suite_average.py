"""Suite averages as the leaderboards form them, checked against published rows."""

from __future__ import annotations

import pytest

from benchmark.metrics import main_score, suite_average
from benchmark.tasks.registry import get_task

# BERT-large on the GLUE test server (Devlin et al., 2019, Table 1), GLUE score 80.5.
BERT_LARGE = {
    "cola": {"matthews": 0.605}, "sst2": {"accuracy": 0.949},
    "mrpc": {"f1": 0.893, "accuracy": 0.854}, "stsb": {"pearson": 0.876, "spearman": 0.865},
    "qqp": {"f1": 0.721, "accuracy": 0.893},
    "mnli": {"accuracy": 0.867, "accuracy_dev_mismatched": 0.859},
    "qnli": {"accuracy": 0.927}, "rte": {"accuracy": 0.701}, "wnli": {"accuracy": 0.651},
}
# RoBERTa on the SuperGLUE leaderboard (Liu et al., 2019), score 84.6.
ROBERTA = {
    "boolq": {"accuracy": 0.871}, "cb": {"macro_f1": 0.905, "accuracy": 0.952},
    "copa": {"accuracy": 0.906}, "multirc": {"f1a": 0.844, "em": 0.525},
    "record": {"f1": 0.906, "em": 0.900}, "rte": {"accuracy": 0.882},
    "wic": {"accuracy": 0.699}, "wsc": {"accuracy": 0.890},
}


def _scores(rows: dict) -> dict[str, float]:
    return {name: main_score(get_task(name), metrics) for name, metrics in rows.items()}


def test_glue_average_reproduces_the_leaderboard() -> None:
    scores = _scores(BERT_LARGE)
    assert scores["mnli"] == pytest.approx(86.3)  # matched and mismatched: one task
    average = suite_average("glue", {**scores, "ax": 39.6})  # AX is not averaged
    assert average == pytest.approx(724.7 / 9)
    assert round(average, 1) == 80.5


def test_superglue_average_reproduces_the_leaderboard() -> None:
    average = suite_average("superglue", {**_scores(ROBERTA), "axb": 57.9, "axg": 91.0})
    assert average == pytest.approx(676.4 / 8)
    assert abs(average - 84.6) < 0.06


def test_missing_task_gives_none() -> None:
    scores = _scores(BERT_LARGE)
    del scores["wnli"]
    assert suite_average("glue", scores) is None
    assert suite_average("glue", {**scores, "wnli": None}) is None
    assert suite_average("glue", {**scores, "wnli": float("nan")}) is None


def test_glue_plus_superglue_counts_rte_once() -> None:
    scores = {**_scores(BERT_LARGE), **_scores(ROBERTA)}
    average = suite_average("glue+superglue", scores)
    assert average == pytest.approx(sum(scores.values()) / 16)
    assert len(scores) == 16
