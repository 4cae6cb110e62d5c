"""Masked-LM loss of the pretrained head on the encoder's top layer, before vs after.

Only for checkpoints that ship a masked-LM head: a head that ``from_pretrained`` had to
initialise afresh would score noise. The trained encoder's top-layer states at the
masked positions go through the *pretrained* head (no method trains it), so the loss
rises exactly as far as the encoder's output drifted from what the head reads. A seeded
``mask_rate`` of each sentence's non-special tokens (at least one) is replaced by the
mask token; the loss is the mean cross-entropy over all masked tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from transformers import AutoModelForMaskedLM, PreTrainedModel

from benchmark.forgetting.batches import TextBatch
from benchmark.forgetting.paired import paired_interval


def split_masked_lm(model: PreTrainedModel, missing_keys: Sequence[str]
                    ) -> tuple[nn.Module | None, str | None]:
    """The loaded model's pretrained head, or None and why it cannot be used."""
    prefix = model.base_model_prefix + "."
    fresh = [key for key in missing_keys if not key.startswith(prefix)]
    if fresh:
        return None, (f"no masked-LM head: the checkpoint lacks {len(fresh)} head weights "
                      f"(e.g. {fresh[0]}) that loading would initialise at random")
    head = getattr(model, "cls", None)
    if head is None:
        head = getattr(model, "lm_head", None)
    if not isinstance(head, nn.Module):
        return None, f"no masked-LM head found on {type(model).__name__} (.cls or .lm_head)"
    return head, None


def load_masked_lm(path: str) -> tuple[PreTrainedModel | None, nn.Module | None, str | None]:
    """(model, head, None) for a checkpoint with a usable head, else (model?, None, reason)."""
    try:
        model, info = AutoModelForMaskedLM.from_pretrained(path, output_loading_info=True)
    except ValueError as exc:  # the architecture has no masked-LM class
        return None, None, f"no masked-LM head: {str(exc).splitlines()[0]}"
    head, reason = split_masked_lm(model, info["missing_keys"])
    return model.eval(), head, reason


def masked_rows(rows: Sequence[dict[str, Any]], mask_token_id: int, rate: float, seed: int
                ) -> list[dict[str, Any]]:
    """Copies of the encoded rows with ``rate`` of their ordinary tokens masked, seeded."""
    rng = np.random.default_rng(seed)
    out = []
    for row in rows:
        candidates = [i for i, special in enumerate(row["special_tokens_mask"]) if not special]
        ids = list(row["input_ids"])
        labels = [-100] * len(ids)
        if candidates:
            count = max(1, round(rate * len(candidates)))
            for position in rng.choice(candidates, size=count, replace=False):
                labels[position] = ids[position]
                ids[position] = mask_token_id
        out.append({**row, "input_ids": ids, "labels": labels})
    return out


def sentence_losses(head: nn.Module, batch: TextBatch, states: list[Tensor]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per row of the batch: summed cross-entropy over its masked tokens, and their count."""
    assert batch.labels is not None
    masked = batch.labels != -100
    with torch.inference_mode():
        logits = head(states[-1][masked].unsqueeze(0)).squeeze(0).float()
        losses = nn.functional.cross_entropy(logits, batch.labels[masked], reduction="none")
    row_of = masked.nonzero()[:, 0]
    sums = torch.zeros(len(batch.rows), dtype=torch.float64).index_add_(0, row_of,
                                                                         losses.double())
    return sums.numpy(), masked.sum(dim=1).numpy()


def losses_in_sample_order(batches: Sequence[TextBatch],
                           parts: Sequence[tuple[np.ndarray, np.ndarray]], n: int
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Per-batch (sums, counts) back in sample order."""
    sums, counts = np.zeros(n), np.zeros(n)
    for batch, (batch_sums, batch_counts) in zip(batches, parts, strict=True):
        sums[list(batch.rows)] = batch_sums
        counts[list(batch.rows)] = batch_counts
    return sums, counts


def compare_mlm(counts: np.ndarray, before: np.ndarray, after: np.ndarray, *,
                n_resamples: int, level: float, seed: int) -> dict:
    """Mean masked-token loss before and after, the difference and its paired interval
    (sentences resampled, each weighted by its masked tokens)."""
    loss_before = float(before.sum() / counts.sum())
    loss_after = float(after.sum() / counts.sum())

    def delta(indices: np.ndarray) -> np.ndarray:
        return (after[indices].sum(axis=1) - before[indices].sum(axis=1)) / counts[indices].sum(
            axis=1)

    interval = paired_interval(loss_after - loss_before, delta, len(counts),
                               n_resamples=n_resamples, level=level, seed=seed)
    return {"before": loss_before, "after": loss_after, "delta": loss_after - loss_before,
            "interval": interval.as_dict()}
