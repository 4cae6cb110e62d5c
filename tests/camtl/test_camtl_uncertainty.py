"""MT-Uncertainty scoring: the reference code's formula, the regression rule, selection."""

from __future__ import annotations

import math

import pytest
import torch

from camtl import mt_uncertainty_scores, normalized_entropy, select_most_uncertain


def _entropy(probabilities):
    return -sum(p * math.log(p) for p in probabilities if p > 0)


def test_formula_on_a_hand_computed_batch():
    # task 0: 2 classes, task 1: 3 classes; column 2 of task-0 rows must be ignored
    logits = torch.tensor([[0.0, 0.0, 99.0], [2.0, 0.0, -99.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    task_ids = torch.tensor([0, 0, 1, 1])
    h = [
        _entropy([0.5, 0.5]) / math.log(2),
        _entropy(torch.softmax(torch.tensor([2.0, 0.0]), 0).tolist()) / math.log(2),
        1.0,
        _entropy(torch.softmax(torch.tensor([1.0, 0.0, 0.0]), 0).tolist()) / math.log(3),
    ]
    m = [(h[0] + h[1]) / 2, (h[2] + h[3]) / 2]
    expected = torch.tensor([h[0] * m[0], h[1] * m[0], h[2] * m[1], h[3] * m[1]]) / max(m)
    torch.testing.assert_close(normalized_entropy(logits, task_ids, [2, 3]), torch.tensor(h))
    torch.testing.assert_close(mt_uncertainty_scores(logits, task_ids, [2, 3]), expected)


def test_uniform_prediction_scores_one_in_the_most_uncertain_task():
    logits = torch.zeros(4, 3)
    scores = mt_uncertainty_scores(logits, torch.tensor([0, 0, 1, 1]), [3, 2])
    torch.testing.assert_close(scores, torch.ones(4))


def test_regression_candidates_take_spread_quantiles_of_classification_scores():
    torch.manual_seed(0)
    cls_logits = torch.randn(64, 2) * 3
    logits = torch.cat([cls_logits, torch.randn(32, 2)])
    task_ids = torch.cat([torch.zeros(32), torch.ones(32), torch.full((32,), 2)]).long()
    scores = mt_uncertainty_scores(logits, task_ids, [2, 2, 1])
    classification = scores[:64]
    regression = scores[64:]
    levels = (torch.arange(32) + 0.5) / 32
    torch.testing.assert_close(regression, torch.quantile(classification, levels))
    # the regression task's mean score is that of the pooled classification candidates
    assert abs(regression.mean() - classification.mean()) < 0.05
    # its scores ignore the regression outputs entirely
    logits[64:] = torch.randn(32, 2) * 100
    torch.testing.assert_close(mt_uncertainty_scores(logits, task_ids, [2, 2, 1]), scores)


def test_regression_gets_about_an_average_share_of_the_selection():
    torch.manual_seed(0)
    shares = []
    for _ in range(200):
        logits = torch.randn(8 * 32, 3) * torch.rand(8 * 32, 1) * 4
        task_ids = torch.arange(8 * 32) // 32
        chosen = select_most_uncertain(mt_uncertainty_scores(logits, task_ids, [2] * 7 + [1]), 32)
        shares.append((task_ids[chosen] == 7).float().mean().item())
    assert abs(sum(shares) / len(shares) - 1 / 8) < 0.03


def test_only_regression_tasks_gives_uniform_scores():
    scores = mt_uncertainty_scores(torch.randn(5, 1), torch.tensor([0, 1, 0, 1, 0]), [1, 1])
    torch.testing.assert_close(scores, torch.ones(5))


def test_all_confident_predictions_score_zero_not_nan():
    logits = torch.tensor([[200.0, -200.0], [-200.0, 200.0]])
    scores = mt_uncertainty_scores(logits, torch.tensor([0, 1]), [2, 2])
    assert torch.isfinite(scores).all() and scores.abs().max() < 1e-6


def test_select_most_uncertain_orders_and_breaks_ties_by_position():
    scores = torch.tensor([0.1, 0.9, 0.5, 0.9, 0.0])
    assert select_most_uncertain(scores, 3).tolist() == [1, 3, 2]
    assert select_most_uncertain(scores, 10).tolist() == [1, 3, 2, 0, 4]
    with pytest.raises(ValueError):
        select_most_uncertain(scores, -1)


def test_bad_inputs():
    with pytest.raises(ValueError, match="columns"):
        mt_uncertainty_scores(torch.zeros(2, 2), torch.tensor([0, 1]), [2, 3])
    with pytest.raises(ValueError, match="task id"):
        mt_uncertainty_scores(torch.zeros(2, 2), torch.tensor([0, 2]), [2, 2])
