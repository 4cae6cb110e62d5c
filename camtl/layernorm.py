"""Conditional layer norm: the pretrained LayerNorm with a task-modulated weight."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from camtl.film import FiLM, TaskConditioning


class ConditionalLayerNorm(nn.Module):
    """``weight' = (1 + gamma(z')) * weight + beta(z')``; the bias stays the pretrained bias.

    ``weight`` and ``bias`` keep the names of ``nn.LayerNorm``'s so the pretrained values load
    by name; with the FiLM generator at zero this is exactly the pretrained LayerNorm.
    """

    def __init__(self, hidden_size: int, condition_size: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.normalized_shape = (hidden_size,)
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.bias = nn.Parameter(torch.zeros(hidden_size))
        self.film = FiLM(condition_size, hidden_size)

    def forward(self, x: torch.Tensor, conditioning: TaskConditioning) -> torch.Tensor:
        """Normalise ``x [N, l, h]`` with each example's task-specific weight."""
        assert conditioning.transformed is not None
        scale, shift = self.film.coefficients(conditioning.transformed)  # [T, h]
        weight = torch.addcmul(shift, scale, self.weight)[conditioning.task_ids].unsqueeze(1)
        normalised = F.layer_norm(x, self.normalized_shape, None, None, self.eps)
        return torch.addcmul(
            self.bias.to(normalised.dtype), normalised, weight.to(normalised.dtype)
        )


def layer_norm(hidden_size: int, condition_size: int, eps: float, conditional: bool) -> nn.Module:
    """A plain ``nn.LayerNorm`` or a ``ConditionalLayerNorm``: same parameter names."""
    if conditional:
        return ConditionalLayerNorm(hidden_size, condition_size, eps)
    return nn.LayerNorm(hidden_size, eps=eps)


def apply_layer_norm(
    norm: nn.Module, x: torch.Tensor, conditioning: TaskConditioning | None
) -> torch.Tensor:
    """Call either kind of layer norm."""
    if isinstance(norm, ConditionalLayerNorm):
        assert conditioning is not None
        return norm(x, conditioning)
    return norm(x)
