"""What the battery runs on: a tiny random BERT, two real tasks it ships, one mixed batch.

Everything is built in-process from files inside the package (the embedded MiniLM
tokenizer and a few dozen real GLUE rows), so the check needs no download, no data
folder and no GPU, and takes seconds.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor
from transformers import AutoTokenizer, BertConfig, BertModel

from benchmark.data.collate import collate
from benchmark.data.examples import Example
from benchmark.data.loading import load_split, uses_train_fallback
from benchmark.data.tokenize import tokenize_examples
from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Method
from benchmark.methods.registry import get_method
from benchmark.runs.prepare import fallback_parts
from benchmark.tasks.registry import get_task
from benchmark.tasks.spec import TaskSpec
from camtl.backbones import DEFAULT_BACKBONE, resolve_backbone

DATA_DIR = Path(__file__).resolve().with_name("data")
"""``glue_data/SST-2`` and ``glue_data/STS-B``: 32 train and 16 dev rows each (see README)."""

TASK_NAMES = ("sst2", "stsb")
"""A classification and a regression task, single sentences and sentence pairs."""

MAX_LENGTH = 32
ROWS_PER_TASK = 6
"""Rows of each task in the mixed batch the forward and training rules use."""

TINY_BERT = {
    "hidden_size": 64,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 128,
    "max_position_embeddings": 64,
}
"""Small enough for seconds per rule on a CPU, deep enough for CA-MTL's layer recipe."""

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")


@dataclass
class ConformanceContext:
    """The inputs every rule shares; rules build their own methods and models from it."""

    backbone: str
    data_dir: Path
    workdir: Path
    tasks: tuple[TaskSpec, ...]
    batch: dict[str, Tensor]
    pad_token_id: int
    max_length: int = MAX_LENGTH

    def method(self, name: str) -> Method:
        """A fresh instance of the registered method ``name``."""
        return get_method(name)

    def scratch(self, purpose: str) -> Path:
        """An empty folder under the work folder for one rule's files."""
        return Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=self.workdir))


def build_tiny_backbone(folder: Path) -> str:
    """Save a randomly initialised 4-layer BERT with the MiniLM tokenizer into ``folder``.

    Seeded without touching the caller's random state, so every check sees the same weights.
    """
    minilm = Path(resolve_backbone(DEFAULT_BACKBONE))
    vocab_size = AutoTokenizer.from_pretrained(minilm).vocab_size
    with torch.random.fork_rng():
        torch.manual_seed(0)
        BertModel(BertConfig(vocab_size=vocab_size, **TINY_BERT)).save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(minilm / name, folder / name)
    return str(folder)


def training_examples(task: TaskSpec, data_dir: Path) -> list[Example]:
    """The task's training examples as a run would read them (a span task without its train
    file: the training part of its dev file)."""
    if uses_train_fallback(task, data_dir):
        return fallback_parts(task, data_dir)[0]
    return load_split(task, "train", data_dir, allow_hub=False)


def mixed_batch(tasks: tuple[TaskSpec, ...], tokenizer, max_length: int,
                data_dir: Path = DATA_DIR) -> dict[str, Tensor]:
    """Rows of every task interleaved (task 0, task 1, task 0, ...): one batch, mixed tasks."""
    per_task = []
    for index, task in enumerate(tasks):
        examples = training_examples(task, data_dir)[:ROWS_PER_TASK]
        features = tokenize_examples(examples, task, tokenizer, max_length, None)
        per_task.append([(index, feature) for feature in features])
    items = [item for group in zip(*per_task, strict=True) for item in group]
    return collate(items, tokenizer.pad_token_id)


def build_context(workdir: Path, backbone: str | None = None,
                  task_names: tuple[str, ...] = TASK_NAMES,
                  data_dir: Path = DATA_DIR) -> ConformanceContext:
    """The battery's inputs, with a tiny random BERT in ``workdir`` unless ``backbone`` is given.

    ``task_names`` and ``data_dir`` put other task shapes under the same rules (the tests run
    them on SQuAD and WNUT 2017 from the shared data: span and token heads)."""
    workdir = Path(workdir)
    if backbone is None:
        folder = workdir / "tiny-bert"
        folder.mkdir(parents=True, exist_ok=True)
        backbone = build_tiny_backbone(folder)
    try:
        tokenizer = AutoTokenizer.from_pretrained(resolve_backbone(backbone))
    except (OSError, ValueError) as exc:  # missing folder, or not a valid Hub name
        raise BenchmarkError(
            f"cannot load a tokenizer for backbone {backbone!r} ({str(exc).rstrip('.')}). Give "
            "a local BERT checkpoint folder, or leave --backbone out to check on a tiny random "
            "BERT."
        ) from exc
    tasks = tuple(get_task(name) for name in task_names)
    return ConformanceContext(
        backbone=backbone,
        data_dir=Path(data_dir),
        workdir=workdir,
        tasks=tasks,
        batch=mixed_batch(tasks, tokenizer, MAX_LENGTH, Path(data_dir)),
        pad_token_id=tokenizer.pad_token_id,
    )
