"""The method plugin interface and its registry."""

from benchmark.methods.interface import (
    ENTRY_POINT_GROUP,
    INTERFACE_VERSION,
    Encoder,
    EncoderOutput,
    Method,
    checked_encoder,
)
from benchmark.methods.scoring import CandidateScoring, ScoringRequest

__all__ = [
    "ENTRY_POINT_GROUP",
    "INTERFACE_VERSION",
    "CandidateScoring",
    "Encoder",
    "EncoderOutput",
    "Method",
    "ScoringRequest",
    "checked_encoder",
]
