"""How a method's model is run over MT-Uncertainty candidates: the method decides.

The harness owns the sampler: which candidates are drawn, the chunks they run in (sorted by
length, each padded to its own longest row), and the score formula. What a forward pass over
candidates may cost belongs to the method: scoring only ranks, so CA-MTL runs its token-wise
linears in int8 on CPUs while other methods score as they train. ``Method.candidate_scoring``
answers a ``ScoringRequest`` with a ``CandidateScoring``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import torch

SCORING_MODES = ("eval", "train-fp32")
PRECISIONS = ("fp32", "bf16", "int8")


@dataclass(frozen=True)
class ScoringRequest:
    """What the harness asks for when a run's MT-Uncertainty scorer is set up."""

    training_precision: str
    """The run's training precision (``fp32`` or ``bf16``)."""
    device: torch.device
    """Where the model is."""
    mode: Literal["eval", "train-fp32"] = "eval"
    """``eval``: dropout off, any precision the method finds fit. ``train-fp32`` (``--fidelity
    reference``): as the reference code scores, in train mode (a dropout draw) and fp32."""
    precision: str | None = None
    """A precision the caller insists on (tests, speed checks); None leaves it to the method."""

    def __post_init__(self) -> None:
        if self.mode not in SCORING_MODES:
            raise ValueError(f"scoring mode must be one of {SCORING_MODES}, got {self.mode!r}")
        if self.precision is not None and self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")


class CandidateScoring:
    """One run's way of scoring candidates: its precision (recorded), mode, and context.

    The harness enters ``context()`` around every scoring pass; a method that scores
    differently subclasses this and returns its own context (CA-MTL swaps in int8 linears).
    """

    def __init__(self, precision: str, train_mode: bool = False) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        self.precision = precision
        self.train_mode = train_mode
        """True: candidates run in the model's training mode (dropout on), as it trains."""

    @classmethod
    def default(cls, request: ScoringRequest) -> CandidateScoring:
        """Eval mode in the training precision (or the insisted one); train-fp32 as asked."""
        if request.mode == "train-fp32":
            return cls("fp32", train_mode=True)
        precision = request.precision or request.training_precision
        if precision == "int8":
            raise ValueError(
                "int8 scoring is a method's own path (CA-MTL has one); this method scores in "
                "fp32 or bf16"
            )
        return cls(precision)

    def context(self, device: torch.device) -> contextlib.AbstractContextManager:
        """Where one scoring pass runs: bf16 autocast, or as is."""
        if self.precision == "bf16":
            return torch.autocast(device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()
