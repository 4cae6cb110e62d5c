"""Tokenised, length-sorted batches of a text sample, and running an encoder over them.

The same batches (same padding, same order) are fed to the pretrained and the trained
encoder, so an encoder with unchanged weights reproduces the pretrained numbers exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from torch import Tensor

from benchmark.forgetting.states import NoHiddenStates, StatesSource, evaluating, module_device

T = TypeVar("T")


@dataclass(frozen=True)
class TextBatch:
    """Rows ``rows`` of the sample (indices into it), padded to the batch's longest."""

    rows: tuple[int, ...]
    input_ids: Tensor
    attention_mask: Tensor
    token_type_ids: Tensor
    labels: Tensor | None = None
    """Masked-LM targets: the original token at masked positions, -100 elsewhere."""


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[dict[str, Any]]:
    """One tokenizer encoding per text (truncated, unpadded), with its special-token mask."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length,
                        return_special_tokens_mask=True)
    keys = [k for k in ("input_ids", "token_type_ids", "special_tokens_mask") if k in encoded]
    return [{k: list(encoded[k][i]) for k in keys} for i in range(len(texts))]


def make_batches(rows: Sequence[dict[str, Any]], pad_token_id: int, batch_size: int
                 ) -> list[TextBatch]:
    """Batches of rows sorted by length (little padding); ``labels`` kept when present."""
    order = sorted(range(len(rows)), key=lambda i: (len(rows[i]["input_ids"]), i))
    batches = []
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        width = max(len(rows[i]["input_ids"]) for i in chosen)

        def padded(key: str, fill: int, chosen: list[int] = chosen, width: int = width
                   ) -> Tensor:
            return torch.tensor([rows[i][key] + [fill] * (width - len(rows[i][key]))
                                 for i in chosen], dtype=torch.long)

        mask = torch.tensor([[1] * len(rows[i]["input_ids"])
                             + [0] * (width - len(rows[i]["input_ids"])) for i in chosen])
        types = (padded("token_type_ids", 0) if "token_type_ids" in rows[chosen[0]]
                 else torch.zeros_like(mask))
        labels = padded("labels", -100) if "labels" in rows[chosen[0]] else None
        batches.append(TextBatch(tuple(chosen), padded("input_ids", pad_token_id), mask, types,
                                 labels))
    return batches


def run_batches(source: StatesSource, batches: Sequence[TextBatch],
                take: Callable[[TextBatch, list[Tensor]], T]) -> list[T]:
    """``take(batch, per-layer float32 CPU states)`` for every batch, in eval mode."""
    device = module_device(source.module)
    out = []
    with evaluating(source.module):
        for batch in batches:
            states = source.states(batch.input_ids.to(device), batch.attention_mask.to(device),
                                   batch.token_type_ids.to(device))
            out.append(take(batch, _checked(states, batch)))
    return out


def _checked(states: Sequence[Tensor], batch: TextBatch) -> list[Tensor]:
    expected = tuple(batch.input_ids.shape)
    checked = []
    for index, state in enumerate(states):
        if not isinstance(state, Tensor) or state.dim() != 3 or tuple(state.shape[:2]) != expected:
            shape = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
            raise NoHiddenStates(f"hidden state {index} has shape {shape}, expected "
                                 f"{expected + ('h',)} (batch, length, hidden)")
        checked.append(state.detach().float().cpu())
    if not checked:
        raise NoHiddenStates("the encoder returned no hidden states")
    return checked
