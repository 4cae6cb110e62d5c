"""Shared fixtures: the real data folder and single-threaded determinism."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertModel

from camtl.backbones import resolve_backbone

REPO_ROOT = Path(__file__).resolve().parents[1]


def find_data_dir() -> Path | None:
    """$CAMTL_BENCH_DATA, else ../shared/data beside the checkout (as in CI)."""
    candidates = [os.environ.get("CAMTL_BENCH_DATA"), REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "glue_data").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = find_data_dir()
    if found is None:
        pytest.fail("real data not found: set CAMTL_BENCH_DATA or put shared/data beside the repo")
    return found


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the tokenization cache of test runs out of the user's home."""
    os.environ.setdefault("CAMTL_BENCH_CACHE", str(tmp_path_factory.mktemp("token-cache")))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm_tokenizer():
    """The default backbone's tokenizer (uncased WordPiece), loaded once per session."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_backbone("all-MiniLM-L6-v2"))


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
def tiny_budget_flags() -> list[str]:
    """`run` flags for a seconds-long run: tiny subsets, one short epoch, no progress bars."""
    return ["--max-train-samples", "32", "--max-eval-samples", "16", "--epochs", "1",
            "--batch-size", "8", "--max-length", "32", "--no-progress"]
