"""Plot helpers: Pareto front, schedule decoding and shares, literal labels, PNG output."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.results.frame import build_result_set
from reports.plots import (
    learning_curves,
    pareto_front,
    safe_label,
    sampling_shares,
    score_vs_parameters,
    task_scores,
    task_shares,
    window_counts,
)
from reports.tables import comparison_tables

PNG = b"\x89PNG\r\n\x1a\n"


def test_pareto_front():
    points = [(100.0, 80.0), (5.0, 78.0), (5.0, 70.0), (10.0, 77.0), (1.0, 60.0), (50.0, 82.0)]
    assert pareto_front(points) == [(1.0, 60.0), (5.0, 78.0), (50.0, 82.0)]


def test_window_counts_and_shares(make_record):
    assert window_counts([[1, 2], [6, 1]], [1, 4, 8]) == [2, 1]
    assert window_counts([[3, 10]], [1, 5, 9]) == [2, 4]  # steps past the windows are not counted
    record = make_record(steps=10)
    record["training"]["task_schedule"] = {"rte": [[1, 10]], "mrpc": [[6, 5]]}
    shares = task_shares(record, bins=2)
    assert shares.index.tolist() == [1, 6]
    assert shares.loc[1].tolist() == [1.0, 0.0]
    assert shares.loc[6].tolist() == [0.5, 0.5]
    assert np.allclose(shares.sum(axis=1), 1.0)


def test_shares_allocate_by_the_schedule_not_the_claimed_steps(make_record):
    """A claimed 10^13 steps (or a run that long) costs as much as any other record."""
    record = make_record(steps=10)
    record["training"]["steps"] = 10**13
    record["training"]["task_schedule"] = {"rte": [[1, 10**13]], "mrpc": [[1, 5]]}
    shares = task_shares(record)  # np.zeros(10**13) before: a MemoryError
    assert len(shares) == 20 and shares.index[0] == 1
    assert shares.loc[1, "mrpc"] == pytest.approx(5 / (5 + 5 * 10**11))
    assert shares.iloc[1:]["mrpc"].sum() == 0.0


@pytest.mark.parametrize("text, shown", [("a$b$", r"a\$b\$"), ("_hidden", "\u200b_hidden")])
def test_safe_label(text, shown):
    assert safe_label(text) == shown


def test_figures_are_png(synthetic_records):
    result = build_result_set(synthetic_records)
    [table] = comparison_tables(result.frame)
    groups = {"CA-MTL": [r for r in synthetic_records if r["method"] == "camtl"]}
    for figure in (score_vs_parameters(table), task_scores(table), sampling_shares(groups),
                   learning_curves(groups)):
        assert figure is not None and figure.png.startswith(PNG)


def test_no_data_no_figure(make_record):
    record = make_record()
    record["history"] = []
    record["training"]["task_schedule"] = {}
    assert sampling_shares({"x": [record]}) is None
    assert learning_curves({"x": [record]}) is None


def test_one_evaluation_draws_no_curve(make_record):
    """A run evaluated once (evaluations_per_epoch 0) has a point, not a curve."""
    once = make_record()
    once["history"] = [{"step": 10, "main_scores": {t: 60.0 for t in once["tasks"]},
                        "train_loss": 0.5}]
    assert learning_curves({"x": [once]}) is None
    twice = make_record()
    twice["history"] = [{**once["history"][0], "step": 5}, once["history"][0]]
    assert learning_curves({"x": [twice]}).png.startswith(PNG)


def test_curve_merges_per_task_models(make_record):
    from reports.plots import _curve

    record = make_record("stl", 1)
    record["history"] = [
        {"step": 10, "main_scores": {"rte": 60.0}, "train_loss": 0.6, "model": "rte"},
        {"step": 10, "main_scores": {"mrpc": 80.0}, "train_loss": 0.4, "model": "mrpc"},
        {"step": 20, "main_scores": {"rte": 62.0}, "train_loss": 0.5, "model": "rte"},
    ]
    curve = _curve([record], ["rte", "mrpc"])
    assert curve.loc[10, ("avg", "mean")] == 70.0
    assert curve.loc[10, ("loss", "mean")] == pytest.approx(0.5)
    assert np.isnan(curve.loc[20, ("avg", "mean")])  # mrpc not evaluated at step 20
