"""A tiny randomly initialised BERT with the real MiniLM tokenizer, saved once per session."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertModel

from camtl.backbones import resolve_backbone

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "bitfit_plugin"


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> str:
    """4 layers, hidden 64 (2 attention blocks at max length 32): seconds per step on a CPU."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=64, num_hidden_layers=4,
                        num_attention_heads=4, intermediate_size=128, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    minilm = Path(resolve_backbone("all-MiniLM-L6-v2"))
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(minilm / name, folder / name)
    return str(folder)


@pytest.fixture(scope="session")
def example_plugin_class():
    """The example plugin's Method class, imported from its source folder."""
    sys.path.insert(0, str(EXAMPLE_PLUGIN))
    try:
        from camtl_bench_bitfit import BitFit
    finally:
        sys.path.remove(str(EXAMPLE_PLUGIN))
    return BitFit
