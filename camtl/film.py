"""FiLM and the task conditioning every conditional module reads.

Every conditional module computes its coefficients for all T tasks at once (T rows, tiny)
and gathers one row per example with ``task_ids``; a batch that mixes tasks is therefore a
single pass with no Python loop over examples or tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from camtl.linear import Linear


@dataclass(frozen=True)
class TaskConditioning:
    """The task signal of one batch.

    ``raw``: the task embeddings z of all T tasks ``[T, h]`` (conditions the alignment);
    ``transformed``: z' = Linear(z) for all tasks ``[T, h]`` (conditions every layer), or None
    when no layer is conditioned; ``task_ids``: the task of every example ``[N]``.
    """

    task_ids: torch.Tensor
    raw: torch.Tensor
    transformed: torch.Tensor | None


class FiLM(nn.Module):
    """Feature-wise linear modulation: ``(1 + gamma(c)) * x + beta(c)``.

    The generator's bias starts at zero, so with a zero generator weight the module is the
    identity: that is the neutral value the equivalence tests rely on.
    """

    def __init__(self, condition_size: int, feature_size: int) -> None:
        super().__init__()
        self.feature_size = feature_size
        self.generator = Linear(condition_size, 2 * feature_size)
        nn.init.zeros_(self.generator.bias)

    def coefficients(self, condition: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(1 + gamma, beta)`` for every row of ``condition``."""
        gamma, beta = self.generator(condition).chunk(2, dim=-1)
        return 1.0 + gamma, beta

    def per_example(
        self, condition: torch.Tensor, task_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Coefficients computed per task, then gathered per example: ``[N, 1, f]`` each."""
        scale, shift = self.coefficients(condition)
        return scale[task_ids].unsqueeze(1), shift[task_ids].unsqueeze(1)

    def forward(
        self, condition: torch.Tensor, task_ids: torch.Tensor, x: torch.Tensor
    ) -> torch.Tensor:
        """Modulate ``x [N, l, f]`` with the coefficients of each example's task."""
        scale, shift = self.per_example(condition, task_ids)
        return torch.addcmul(shift.to(x.dtype), x, scale.to(x.dtype))
