"""Helpers shared by the camtl tests (a uniquely named module, importable from tests)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import torch
from transformers import BertConfig

from camtl import CaMtlEncoder
from camtl.attention import ConditionalBlockBias
from camtl.film import FiLM

SHARED_DATA = (
    Path(os.environ["CAMTL_BENCH_DATA"]) / "glue_data"
    if os.environ.get("CAMTL_BENCH_DATA")
    else Path(__file__).resolve().parents[3] / "shared" / "data" / "glue_data"
)


def tiny_config(**overrides) -> BertConfig:
    """A 4-layer BERT small enough for sub-second tests (hidden 64 -> 2 blocks at L=32)."""
    values = dict(
        vocab_size=120,
        hidden_size=64,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=96,
        max_position_embeddings=64,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    values.update(overrides)
    return BertConfig(**values)


def neutralise(encoder: CaMtlEncoder) -> CaMtlEncoder:
    """Set every conditioning parameter to its neutral value.

    FiLM generators at zero give gamma = beta = 0, i.e. the identity for the alignment, the
    adapters' input modulation and the conditional layer norms (weight' = weight); zero
    attention matrices and zero generators give a zero attention bias.
    """
    with torch.no_grad():
        for module in encoder.modules():
            if isinstance(module, FiLM):
                module.generator.weight.zero_()
                module.generator.bias.zero_()
            if isinstance(module, ConditionalBlockBias):
                module.matrix.zero_()
    return encoder


def load_sentences(count: int = 12) -> list[str]:
    """``count`` real SST-2 dev sentences of varied length (a fixed list if data is absent)."""
    path = SHARED_DATA / "SST-2" / "dev.tsv"
    if not path.exists():
        return [
            "it 's a charming and often affecting journey .",
            "unflinchingly bleak and desperate",
            "the acting , costumes , music , cinematography and sound are all astounding .",
            "it 's slow -- very , very slow .",
        ] * (count // 4 + 1)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row["sentence"] for row in rows[:count]]


FLOAT32_ROUNDING = 5e-5
"""How far two correct float32 computations of the same outputs may drift, as a fraction of
the largest compared value. Other padded lengths or another CPU's SIMD width change the
order of the sums, and float32 rounds every sum relative to its largest terms, so the drift
scales with the largest value, not with each element: perturbed CA-MTL outputs reach ~120,
and on an avx512 CPU 368 of 100,992 elements of two paddings differed by up to 1.05e-3
(9e-6 of the largest value; plain BertModel differs likewise). A real bug, such as one
padding token attended, moves outputs by ~100% of the largest value."""


def assert_close_to_scale(
    actual: torch.Tensor, expected: torch.Tensor, rounding: float = FLOAT32_ROUNDING
) -> None:
    """``assert_close`` within ``rounding`` x max|expected| (see ``FLOAT32_ROUNDING``)."""
    scale = float(expected.detach().abs().max())
    torch.testing.assert_close(actual, expected, rtol=0.0, atol=rounding * scale)
