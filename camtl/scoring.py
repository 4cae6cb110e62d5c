"""Run a model over MT-Uncertainty candidates cheaply: scoring only has to rank.

The candidates go through the model in inference mode (no autograd records), in eval mode
(dropout off: the score of a candidate should not depend on a dropout draw; the reference
scores in training mode), and only the pooled [CLS] path of the top layer is computed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch

from camtl.heads import CaMtlForMultiTask
from camtl.uncertainty import mt_uncertainty_scores

PRECISIONS = ("fp32", "bf16")


@torch.inference_mode()
def candidate_logits(
    model: CaMtlForMultiTask,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    task_ids: torch.Tensor,
    precision: str = "fp32",
) -> torch.Tensor:
    """Logits ``[N, C_max]`` (float32) of every candidate, without gradients or dropout."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    was_training = model.training
    model.eval()
    try:
        autocast = (
            torch.autocast(input_ids.device.type, dtype=torch.bfloat16)
            if precision == "bf16"
            else contextlib.nullcontext()
        )
        with autocast:
            logits = model(input_ids, attention_mask, token_type_ids, task_ids).logits
    finally:
        model.train(was_training)
    return logits.float()


def score_candidates(
    model: CaMtlForMultiTask,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    task_ids: torch.Tensor,
    num_classes: Sequence[int] | None = None,
    precision: str = "fp32",
) -> torch.Tensor:
    """MT-Uncertainty score of every candidate ``[N]``."""
    logits = candidate_logits(model, input_ids, attention_mask, token_type_ids, task_ids, precision)
    return mt_uncertainty_scores(logits, task_ids, num_classes or model.num_classes)
