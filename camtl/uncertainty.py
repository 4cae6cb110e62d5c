"""MT-Uncertainty: score candidates by task-weighted normalised entropy, keep the top k.

For a classification candidate x of task i with C_i classes: H(x) / log(C_i) is its
normalised entropy, m_i the mean over task i's candidates, M = max_i m_i, and the score is
``U(x) = H(x) / log(C_i) * m_i / M``.

Regression tasks (C_i = 1) have no predictive distribution, hence no entropy. Rule used here
("average-task rule"): a regression task is treated as a task of average uncertainty, because
nothing in its output says it is more or less uncertain than the others. Its candidates take,
in the order they were drawn, the evenly spaced quantiles ``(j + 0.5) / n`` of the scores of
all classification candidates of the same batch. Then (1) the regression task expects the
mean share of the selected batch that a classification task gets, and (2) which of its
candidates are picked is decided by the draw order, i.e. uniformly at random for randomly
drawn candidates, since there is no signal to prefer one. When a batch holds no
classification candidate every score is 1 (uniform selection).

The reference code instead copies the scores of another task's candidates onto the regression
task's (MRPC's onto STS-B). ``regression_source=i`` reproduces that: the j-th regression
candidate takes the score of task i's j-th candidate of the batch (cycling when it has fewer);
a batch without candidates of task i falls back to the average-task rule.

This is the reference code's formula, not the paper's written one: the paper divides by a
per-step constant and ranks by the normalised entropy alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def normalized_entropy(
    logits: torch.Tensor, task_ids: torch.Tensor, num_classes: Sequence[int]
) -> torch.Tensor:
    """``H(x) / log(C_i)`` per candidate (0 for regression candidates)."""
    logits, task_ids, classes = _prepare(logits, task_ids, num_classes)
    per_example = classes[task_ids]
    valid = torch.arange(logits.shape[1], device=logits.device)[None, :] < per_example[:, None]
    log_p = F.log_softmax(logits.masked_fill(~valid, float("-inf")), dim=1)
    entropy = -(log_p.exp() * log_p).masked_fill(~valid, 0.0).sum(1)
    log_c = per_example.clamp_min(2).double().log().float()
    return torch.where(per_example > 1, entropy / log_c, torch.zeros_like(entropy))


def mt_uncertainty_scores(
    logits: torch.Tensor,
    task_ids: torch.Tensor,
    num_classes: Sequence[int],
    regression_source: int | None = None,
) -> torch.Tensor:
    """Score ``U`` of every candidate ``[N]`` (float32); a pure function of its inputs.

    ``logits [N, C_max]`` (columns past a task's C_i are ignored), ``task_ids [N]``,
    ``num_classes[i]`` the outputs of task i (1 = regression, see the module docstring);
    ``regression_source``: a classification task whose scores regression candidates copy
    (the reference code's rule); None for the average-task rule.
    """
    logits, task_ids, classes = _prepare(logits, task_ids, num_classes)
    num_tasks = classes.shape[0]
    h_norm = normalized_entropy(logits, task_ids, num_classes)
    classification = classes[task_ids] > 1
    counts = torch.bincount(task_ids, minlength=num_tasks)
    sums = torch.zeros(num_tasks, device=logits.device).index_add(0, task_ids, h_norm)
    task_mean = sums / counts.clamp_min(1)
    present = (counts > 0) & (classes > 1)
    top_mean = task_mean.masked_fill(~present, 0.0).max().clamp_min(torch.finfo(torch.float32).tiny)
    scores = h_norm * task_mean[task_ids] / top_mean
    if bool(classification.all()):
        return scores
    if not bool(classification.any()):
        return torch.ones_like(scores)
    if regression_source is not None:
        if not 0 <= regression_source < num_tasks or int(classes[regression_source]) < 2:
            raise ValueError(f"regression_source {regression_source} is not a classification task")
        if int(counts[regression_source]) > 0:
            return _copy_task_rule(scores, task_ids, classification, regression_source)
    return _average_task_rule(scores, task_ids, classification, counts, num_tasks)


def _copy_task_rule(
    scores: torch.Tensor, task_ids: torch.Tensor, classification: torch.Tensor, source: int
) -> torch.Tensor:
    """Every regression task's j-th candidate takes the score of the source's j-th candidate."""
    source_scores = scores[task_ids == source]
    copied = scores.clone()
    for task in torch.unique(task_ids[~classification]).tolist():
        rows = torch.nonzero(task_ids == task).squeeze(1)
        positions = torch.arange(rows.numel(), device=scores.device) % source_scores.numel()
        copied[rows] = source_scores[positions]
    return copied


def _average_task_rule(
    scores: torch.Tensor,
    task_ids: torch.Tensor,
    classification: torch.Tensor,
    counts: torch.Tensor,
    num_tasks: int,
) -> torch.Tensor:
    """Regression candidates take evenly spaced quantiles of the classification scores."""
    seen = F.one_hot(task_ids, num_tasks).cumsum(0).gather(1, task_ids[:, None]).squeeze(1) - 1
    levels = (seen.float() + 0.5) / counts[task_ids].float()
    quantiles = torch.quantile(scores[classification], levels[~classification])
    return scores.masked_scatter(~classification, quantiles)


def select_most_uncertain(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` highest scores, highest first; ties go to the earlier candidate."""
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    order = torch.sort(scores, descending=True, stable=True).indices
    return order[: min(k, scores.shape[0])]


def _prepare(
    logits: torch.Tensor, task_ids: torch.Tensor, num_classes: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if logits.dim() != 2 or task_ids.shape != logits.shape[:1]:
        raise ValueError(
            f"logits [N, C_max] and task_ids [N] expected, got {tuple(logits.shape)} "
            f"and {tuple(task_ids.shape)}"
        )
    classes = torch.as_tensor(list(num_classes), device=logits.device, dtype=torch.long)
    if classes.numel() == 0 or int(classes.min()) < 1:
        raise ValueError(f"num_classes must be positive, got {list(num_classes)}")
    if int(classes.max()) > logits.shape[1]:
        raise ValueError(f"logits have {logits.shape[1]} columns, a task has {int(classes.max())}")
    task_ids = task_ids.to(logits.device).long()
    if task_ids.numel() and (int(task_ids.min()) < 0 or int(task_ids.max()) >= classes.numel()):
        raise ValueError(f"task id outside 0..{classes.numel() - 1}")
    return logits.float(), task_ids, classes
