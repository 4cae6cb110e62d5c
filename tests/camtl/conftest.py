"""Fixtures for the camtl tests: tiny random BERT configs, the real MiniLM, real sentences."""

from __future__ import annotations

import pytest
import torch
from camtl_helpers import load_sentences, tiny_config
from transformers import AutoTokenizer, BertConfig, BertModel

from camtl import CaMtlConfig, CaMtlEncoder, resolve_backbone


@pytest.fixture
def tiny() -> BertConfig:
    torch.manual_seed(0)
    return tiny_config()


@pytest.fixture
def tiny_encoder(tiny) -> CaMtlEncoder:
    return CaMtlEncoder.from_backbone(tiny, CaMtlConfig(num_tasks=3, max_length=32)).eval()


@pytest.fixture(scope="session")
def minilm_path() -> str:
    return resolve_backbone("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def minilm_bert(minilm_path) -> BertModel:
    return BertModel.from_pretrained(minilm_path, attn_implementation="eager").eval()


@pytest.fixture(scope="session")
def tokenizer(minilm_path):
    return AutoTokenizer.from_pretrained(minilm_path)


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    return load_sentences()
