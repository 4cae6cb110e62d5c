"""Run a model over MT-Uncertainty candidates cheaply: scoring only has to rank.

What makes it cheap, exact parts first:
- inference mode (no autograd records) and eval mode (dropout off: a candidate's score
  should not depend on a dropout draw; the reference scores in training mode);
- only the pooled [CLS] path of the top layer is computed (``CaMtlEncoder.encode``);
- candidates are sorted by length and run in chunks, each cropped to its own longest
  sequence (exact for right-padded batches: dynamic padding is tested to change nothing);
- optionally reduced precision: ``int8`` (dynamic int8 linears, the fast choice on AVX2
  CPUs) or ``bf16`` (autocast, the fast choice where the CPU or GPU has bf16 units).
The ranking agreement of reduced precision with fp32 is tested in the benchmarks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch
from torch import nn

from camtl.heads import CaMtlForMultiTask
from camtl.linear import cpu_has_native_bf16
from camtl.quantized import Int8Cache, int8_available
from camtl.uncertainty import mt_uncertainty_scores, select_most_uncertain

PRECISIONS = ("fp32", "bf16", "int8")


def default_precision(device: torch.device | str = "cpu") -> str:
    """bf16 on accelerators and on CPUs with native bf16 units, else int8 (where torch has
    the kernels). On a 2-core avx512_bf16 CPU, MiniLM CA-MTL, 5 x 32 GLUE training
    candidates: bf16 0.36 s, int8 0.46 s, fp32 0.73 s (medians of 5 interleaved rounds,
    2026-12-04); without bf16 units bf16 is emulated and many times slower."""
    if torch.device(device).type != "cpu" or cpu_has_native_bf16():
        return "bf16"
    return "int8" if int8_available() else "fp32"


def scoring_context(
    encoder: nn.Module, precision: str, int8: Int8Cache, device: torch.device
) -> contextlib.AbstractContextManager:
    """Where a scoring pass runs in ``precision``: bf16 autocast, int8 linears, or as is.

    int8 (for a ``CaMtlEncoder``) swaps the encoder's token-wise linears for ``int8``'s
    cached stand-ins; the pooler works on one row per candidate, so it stays exact.
    """
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    if precision == "int8":
        return int8.swapped_in(encoder, keep=(encoder.pooler,))
    return contextlib.nullcontext()


class CandidateScorer:
    """Scores candidate batches with one model; keeps that model's int8 weights cached."""

    def __init__(
        self, model: CaMtlForMultiTask, precision: str = "fp32", chunk_size: int = 32
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if precision == "int8" and not int8_available():
            raise ValueError("this torch build has no int8 dynamic linear kernels: use fp32")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        self.model = model
        self.precision = precision
        self.chunk_size = chunk_size
        self._int8 = Int8Cache()

    @torch.inference_mode()
    def logits(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        task_ids: torch.Tensor,
    ) -> torch.Tensor:
        """Float32 logits ``[N, C_max]`` of every candidate, in the candidates' order."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        lengths = attention_mask.sum(1)
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        right_padded = bool((attention_mask.bool() == (positions < lengths[:, None])).all())
        order = torch.argsort(lengths, stable=True) if right_padded else None
        chunks = (
            order.split(self.chunk_size)
            if order is not None
            else torch.arange(input_ids.shape[0]).split(self.chunk_size)
        )
        was_training = self.model.training
        self.model.eval()
        outputs = torch.empty(
            input_ids.shape[0], max(self.model.num_classes), device=input_ids.device
        )
        try:
            with scoring_context(self.model.encoder, self.precision, self._int8, input_ids.device):
                for rows in chunks:
                    width = int(lengths[rows].max()) if right_padded else input_ids.shape[1]
                    width = max(width, 1)
                    out = self.model(
                        input_ids[rows, :width],
                        attention_mask[rows, :width],
                        token_type_ids[rows, :width],
                        task_ids[rows],
                    )
                    outputs[rows] = out.logits.float()
        finally:
            self.model.train(was_training)
        return outputs

    def scores(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        task_ids: torch.Tensor,
    ) -> torch.Tensor:
        """MT-Uncertainty score of every candidate ``[N]``."""
        logits = self.logits(input_ids, attention_mask, token_type_ids, task_ids)
        return mt_uncertainty_scores(logits, task_ids, self.model.num_classes)

    def select(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        task_ids: torch.Tensor,
        k: int,
    ) -> torch.Tensor:
        """Indices of the ``k`` most uncertain candidates (the training batch)."""
        scores = self.scores(input_ids, attention_mask, token_type_ids, task_ids)
        return select_most_uncertain(scores, k)


def score_candidates(
    model: CaMtlForMultiTask,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    task_ids: torch.Tensor,
    num_classes: Sequence[int] | None = None,
    precision: str = "fp32",
) -> torch.Tensor:
    """One-off MT-Uncertainty scores ``[N]`` (use ``CandidateScorer`` inside a loop)."""
    scorer = CandidateScorer(model, precision)
    logits = scorer.logits(input_ids, attention_mask, token_type_ids, task_ids)
    return mt_uncertainty_scores(logits, task_ids, num_classes or model.num_classes)
