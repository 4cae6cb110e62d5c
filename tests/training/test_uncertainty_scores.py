"""The sampler's MT-Uncertainty formula in the harness equals the camtl library's.

The harness owns the formula (every joint method can use the sampler); camtl keeps the same
rule for its library users. The two are held equal on seeded logits with classification,
regression and multiple-choice tasks, for both regression rules.
"""

from __future__ import annotations

import math

import pytest
import torch

from benchmark.training.uncertainty_scores import normalized_entropies, task_weighted_scores
from camtl import mt_uncertainty_scores

CLASSES = (2, 1, 3, 2)  # binary, regression, three-way, binary
REGRESSION = [c == 1 for c in CLASSES]


def _batch(seed: int, rows: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(rows, max(CLASSES), generator=generator) * 2
    task_ids = torch.randint(0, len(CLASSES), (rows,), generator=generator)
    return logits, task_ids


def _outputs(logits: torch.Tensor, task_ids: torch.Tensor) -> list[torch.Tensor]:
    """Each candidate's own output, as the harness's heads give it (C_i logits)."""
    return [row[: CLASSES[int(t)]] for row, t in zip(logits, task_ids, strict=True)]


@pytest.mark.parametrize("source", [None, 0, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harness_scores_equal_the_library_scores(seed, source):
    logits, task_ids = _batch(seed)
    harness = task_weighted_scores(
        normalized_entropies(_outputs(logits, task_ids)), task_ids, REGRESSION, source
    )
    library = mt_uncertainty_scores(logits, task_ids, CLASSES, source)
    torch.testing.assert_close(harness, library, atol=1e-6, rtol=1e-5)
    assert harness.std() > 0.01


def test_a_choice_distribution_runs_over_the_candidates_own_choices():
    # three equal choices and an absent fourth: uniform over three, normalised entropy 1
    three = torch.tensor([0.5, 0.5, 0.5, float("-inf")])
    sure = torch.tensor([10.0, -10.0])
    binary = torch.tensor([0.0, math.log(3.0)])  # p = (1/4, 3/4)
    h = normalized_entropies([three, sure, binary, torch.tensor([1.7])])
    expected_binary = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    torch.testing.assert_close(h[0], torch.tensor(1.0))
    assert h[1] < 1e-6 and h[3] == 0.0  # confident; a regression value has no distribution
    torch.testing.assert_close(h[2], torch.tensor(expected_binary))


def test_a_batch_of_regression_candidates_only_is_uniform():
    task_ids = torch.tensor([1, 1, 1])
    scores = task_weighted_scores(torch.zeros(3), task_ids, REGRESSION)
    assert scores.tolist() == [1.0, 1.0, 1.0]
