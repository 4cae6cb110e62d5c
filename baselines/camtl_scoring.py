"""CA-MTL's MT-Uncertainty scoring path, behind the method's ``candidate_scoring`` hook.

Scoring only ranks candidates, so CA-MTL scores them in reduced precision
(``camtl.default_precision``): bf16 autocast on accelerators and on CPUs with native bf16
units, int8 token-wise linears on other CPUs (``camtl.quantized``); their ranking agreement
with fp32 is tested in ``tests/camtl`` and ``tests/benchmarks/test_camtl_speed.py``. The
reference fidelity's train-mode fp32 scoring and any insisted precision other than int8 take
the default path.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from benchmark.methods.scoring import CandidateScoring, ScoringRequest
from camtl import default_precision
from camtl.quantized import Int8Cache
from camtl.scoring import scoring_context


class Int8Scoring(CandidateScoring):
    """Candidates run with the encoder's token-wise linears swapped for cached int8 copies."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__("int8")
        self.encoder = encoder
        self._cache = Int8Cache()  # quantizes frozen layers once, trained ones once per call

    def context(self, device: torch.device) -> contextlib.AbstractContextManager:
        return scoring_context(self.encoder, "int8", self._cache, device)


def camtl_candidate_scoring(encoder: nn.Module, request: ScoringRequest) -> CandidateScoring:
    """int8 on CPUs with the kernels, bf16 on accelerators; train-fp32 as the default gives."""
    if request.mode != "eval":
        return CandidateScoring.default(request)
    precision = request.precision or default_precision(request.device)
    if precision == "int8":
        return Int8Scoring(encoder)
    return CandidateScoring(precision)
