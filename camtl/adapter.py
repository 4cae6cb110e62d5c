"""Conditional bottleneck adapter: FiLM, down h -> h/3, up h/3 -> h, no nonlinearity."""

from __future__ import annotations

import torch
from torch import nn

from camtl.film import FiLM, TaskConditioning
from camtl.layernorm import apply_layer_norm, layer_norm
from camtl.linear import Linear


class ConditionalBottleneck(nn.Module):
    """FiLM(x | Linear(z')) then ``up(down(x))``, as in the paper (no activation between)."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.condition = Linear(hidden_size, hidden_size)
        self.film = FiLM(hidden_size, hidden_size)
        self.down = Linear(hidden_size, hidden_size // 3)
        self.up = Linear(hidden_size // 3, hidden_size)

    def forward(self, x: torch.Tensor, conditioning: TaskConditioning) -> torch.Tensor:
        """Adapter output for ``x [N, l, h]``."""
        assert conditioning.transformed is not None
        condition = self.condition(conditioning.transformed)  # [T, h], per task
        modulated = self.film(condition, conditioning.task_ids, x)
        return self.up(self.down(modulated))


class TopAdapter(nn.Module):
    """The base recipe's adapter: ``LN(bottleneck(layer output) + attention output)``.

    The layer norm is conditional when conditional layer norm is switched on.
    """

    def __init__(self, hidden_size: int, eps: float, conditional_layer_norm: bool) -> None:
        super().__init__()
        self.bottleneck = ConditionalBottleneck(hidden_size)
        self.LayerNorm = layer_norm(hidden_size, hidden_size, eps, conditional_layer_norm)

    def forward(
        self,
        layer_output: torch.Tensor,
        attention_output: torch.Tensor,
        conditioning: TaskConditioning,
    ) -> torch.Tensor:
        """Adapted layer output."""
        adapted = self.bottleneck(layer_output, conditioning)
        return apply_layer_norm(self.LayerNorm, adapted + attention_output, conditioning)
