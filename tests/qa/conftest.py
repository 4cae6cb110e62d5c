"""Fixtures of the QA format tests: the real MRQA files, read and windowed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.formats.qa import QaFile, WindowSettings, make_windows, read_qa_file
from benchmark.formats.qa.windows import Windowing


@pytest.fixture(scope="session")
def mrqa_dir(data_dir: Path) -> Path:
    return data_dir / "mrqa"


@pytest.fixture(scope="session")
def squad_dev(mrqa_dir: Path) -> QaFile:
    return read_qa_file(mrqa_dir / "dev" / "SQuAD.jsonl.gz")


@pytest.fixture(scope="session")
def squad_windows(squad_dev: QaFile, minilm_tokenizer) -> Windowing:
    """All of SQuAD dev at the default 384 / 128 (about 20 s on one core)."""
    return make_windows(squad_dev.examples, minilm_tokenizer, WindowSettings())
