"""Fixtures of the forgetting tests: the real MiniLM, and a tiny masked-LM checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForMaskedLM

from benchmark.forgetting import ForgettingSettings
from benchmark.forgetting.sample_text import SENTENCES
from camtl.backbones import resolve_backbone

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")


@pytest.fixture(scope="session")
def minilm_path() -> str:
    return resolve_backbone("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def small_settings() -> ForgettingSettings:
    """150 STS-B pairs instead of 300: half the cost, still a clear interval."""
    return ForgettingSettings(sts_pairs=150)


def _copy_tokenizer(folder: Path) -> None:
    minilm = Path(resolve_backbone("all-MiniLM-L6-v2"))
    for name in TOKENIZER_FILES:
        shutil.copy(minilm / name, folder / name)


@pytest.fixture(scope="session")
def tiny_masked_lm(tmp_path_factory, minilm_tokenizer) -> str:
    """A 2-layer, hidden-32 BertForMaskedLM trained for 40 masked-LM steps on the shipped
    sample (its own torch-seeded masks, not the measurement's), saved with its head:
    a checkpoint whose loss is well below chance, so damage to it shows (~10 s)."""
    folder = tmp_path_factory.mktemp("tiny-mlm")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=minilm_tokenizer.vocab_size, hidden_size=32,
                        num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=128)
    model = BertForMaskedLM(config).train()
    batch = minilm_tokenizer(list(SENTENCES), padding=True, return_tensors="pt",
                             return_special_tokens_mask=True)
    ordinary = (batch["special_tokens_mask"] == 0) & (batch["attention_mask"] == 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(1)
    for _ in range(40):
        ids = batch["input_ids"].clone()
        masked = (torch.rand(ids.shape, generator=generator) < 0.15) & ordinary
        targets = ids[masked]
        ids[masked] = minilm_tokenizer.mask_token_id
        states = model.bert(input_ids=ids, attention_mask=batch["attention_mask"])
        logits = model.cls(states.last_hidden_state[masked])
        loss = torch.nn.functional.cross_entropy(logits, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.save_pretrained(folder)
    _copy_tokenizer(folder)
    return str(folder)

