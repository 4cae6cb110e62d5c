"""Linear CKA per layer between the pretrained and the trained encoder's token states.

Rows are the real (non-padding) tokens of the shipped sentence sample, [CLS] and [SEP]
included; columns are the hidden units. Token level rather than mean-pooled sentences:
the sample's ~2,400 tokens outnumber the hidden units (384 for MiniLM), where 160
sentence vectors would not, and CKA with fewer rows than columns drifts towards 1.
The feature-space formula on centred states (Kornblith et al., 2019):
``CKA(X, Y) = ||Yᵀ X||²_F / (||Xᵀ X||_F ||Yᵀ Y||_F)``, in float64; 1.0 means the same
representation up to rotation and isotropic scaling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from benchmark.forgetting.batches import TextBatch


def real_token_states(batch: TextBatch, states: list[Tensor]) -> list[Tensor]:
    """Each layer's states at the batch's real tokens: ``(tokens, h)`` per layer."""
    real = batch.attention_mask.bool()
    return [state[real] for state in states]


def stack_layers(per_batch: Sequence[list[Tensor]]) -> list[Tensor]:
    """Concatenate ``real_token_states`` of every batch, layer by layer."""
    return [torch.cat([layers[i] for layers in per_batch]) for i in range(len(per_batch[0]))]


@dataclass(frozen=True)
class Centred:
    """One layer's states, centred per hidden unit, in float64, and ``||Xᵀ X||_F``."""

    states: Tensor
    self_norm: float

    @classmethod
    def of(cls, x: Tensor) -> Centred:
        x = x.double()
        x = x - x.mean(dim=0)
        return cls(x, float(torch.linalg.matrix_norm(x.T @ x)))


def linear_cka(x: Tensor | Centred, y: Tensor | Centred) -> float:
    """Linear CKA of two ``(n, d1)``, ``(n, d2)`` representations of the same n rows."""
    x = x if isinstance(x, Centred) else Centred.of(x)
    y = y if isinstance(y, Centred) else Centred.of(y)
    if x.states.shape[0] != y.states.shape[0]:
        raise ValueError(f"CKA needs the same rows: {x.states.shape[0]} vs {y.states.shape[0]}")
    norms = x.self_norm * y.self_norm
    if norms == 0:
        return float("nan")  # a constant representation: similarity is undefined
    return float(torch.linalg.matrix_norm(y.states.T @ x.states) ** 2 / norms)


def per_layer_cka(before: Sequence[Tensor | Centred], after: Sequence[Tensor | Centred]
                  ) -> list[float]:
    """CKA of layer i before with layer i after, for every layer (embeddings first)."""
    return [linear_cka(b, a) for b, a in zip(before, after, strict=True)]
