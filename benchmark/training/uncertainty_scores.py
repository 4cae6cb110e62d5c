"""The MT-Uncertainty score of candidates from their outputs: the sampler's rule, any method.

The sampler belongs to the harness and serves every joint method, so its formula lives here
(docs/camtl.md, "MT-Uncertainty and the regression rule"); ``camtl.mt_uncertainty_scores``
is the same rule for users of the camtl library on its own, and the tests hold the two equal.

For a candidate x of task i: ``h(x) = H(x) / log(n_x)``, the entropy of its output
distribution over its ``n_x`` classes or choices, normalised; ``m_i`` the mean of ``h`` over
task i's candidates, ``M = max_i m_i`` over the tasks with a distribution, and
``U(x) = h(x) * m_i / M`` (the reference code's formula). A multiple-choice candidate's
distribution runs over its own choices (non-finite entries of its output are absent choices).
Regression candidates have no distribution: by default they take evenly spaced quantiles of
the other candidates' scores (the average-task rule); with ``regression_source`` they copy the
scores of that task's candidates (the reference code: MRPC's onto STS-B).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def normalized_entropies(outputs: Sequence[Tensor]) -> Tensor:
    """``H / log(n)`` of every candidate's output (``[n]`` logits or choice scores), float32.

    Outputs with fewer than two finite entries have no distribution: 0.
    """
    flat = [o.detach().reshape(-1).float().cpu() for o in outputs]
    width = max([2, *(o.numel() for o in flat)])
    logits = torch.full((len(flat), width), float("-inf"))
    for row, values in enumerate(flat):
        logits[row, : values.numel()] = values
    valid = torch.isfinite(logits)
    counts = valid.sum(1)
    log_p = F.log_softmax(logits.masked_fill(~valid, -1e30), dim=1)
    entropy = -(log_p.exp() * log_p).masked_fill(~valid, 0.0).sum(1)
    normalised = entropy / counts.clamp_min(2).double().log().float()
    return torch.where(counts > 1, normalised, torch.zeros_like(normalised))


def task_weighted_scores(
    entropies: Tensor,
    task_ids: Tensor,
    regression: Sequence[bool],
    regression_source: int | None = None,
) -> Tensor:
    """``U`` of every candidate ``[N]`` from its normalised entropy and task.

    ``regression[i]``: task i has no predictive distribution (see the module docstring).
    """
    task_ids = task_ids.long()
    num_tasks = len(regression)
    is_regression = torch.tensor(list(regression), dtype=torch.bool)
    classification = ~is_regression[task_ids]
    counts = torch.bincount(task_ids, minlength=num_tasks)
    sums = torch.zeros(num_tasks).index_add(0, task_ids, entropies.float())
    task_mean = sums / counts.clamp_min(1)
    present = (counts > 0) & ~is_regression
    top = task_mean.masked_fill(~present, 0.0).max().clamp_min(torch.finfo(torch.float32).tiny)
    scores = entropies.float() * task_mean[task_ids] / top
    if bool(classification.all()):
        return scores
    if not bool(classification.any()):
        return torch.ones_like(scores)
    if regression_source is not None and int(counts[regression_source]) > 0:
        return _copied(scores, task_ids, classification, regression_source)
    return _quantiles(scores, task_ids, classification, counts, num_tasks)


def _copied(scores: Tensor, task_ids: Tensor, classification: Tensor, source: int) -> Tensor:
    """Each regression task's j-th candidate takes the source task's j-th score (cycling)."""
    source_scores = scores[task_ids == source]
    copied = scores.clone()
    for task in torch.unique(task_ids[~classification]).tolist():
        rows = torch.nonzero(task_ids == task).squeeze(1)
        copied[rows] = source_scores[torch.arange(rows.numel()) % source_scores.numel()]
    return copied


def _quantiles(
    scores: Tensor, task_ids: Tensor, classification: Tensor, counts: Tensor, num_tasks: int
) -> Tensor:
    """The j-th of a regression task's n candidates takes the ``(j + 0.5) / n`` quantile of
    the classification candidates' scores."""
    seen = F.one_hot(task_ids, num_tasks).cumsum(0).gather(1, task_ids[:, None]).squeeze(1) - 1
    levels = (seen.float() + 0.5) / counts[task_ids].float()
    quantiles = torch.quantile(scores[classification], levels[~classification])
    return scores.masked_scatter(~classification, quantiles)
