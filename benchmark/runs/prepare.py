"""Load, budget and tokenize every task of a run, once per run."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark.data.examples import Example
from benchmark.data.loading import load_split
from benchmark.data.tokenize import TokenizedExample, tokenize_examples
from benchmark.errors import TrainingError
from benchmark.runs.spec import Budget
from benchmark.tasks.spec import TaskSpec
from benchmark.training.evaluate import EvalSet

EVAL_SUBSET_SEED = 0
"""Evaluation subsets are the same for every method and seed, so scores compare."""


def cache_dir() -> Path:
    """Where tokenized splits are cached across runs ($CAMTL_BENCH_CACHE overrides)."""
    root = os.environ.get("CAMTL_BENCH_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "camtl-bench" / "tokenized"


@dataclass
class TaskData:
    task: TaskSpec
    train_examples: list[Example]
    train_features: list[TokenizedExample]
    eval_sets: list[EvalSet]


def subset(
    examples: Sequence[Example], limit: int | None, fraction: float, seed: int
) -> list[Example]:
    """A seeded subset that keeps grouped examples (MultiRC questions) together."""
    units: dict[object, list[int]] = {}
    for position, example in enumerate(examples):
        key = example.group if example.group is not None else ("row", position)
        units.setdefault(key, []).append(position)
    keys = list(units)
    wanted = math.ceil(fraction * len(keys))
    if limit is not None:
        wanted = min(wanted, limit)
    if wanted >= len(keys):
        return list(examples)
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(len(keys), size=wanted, replace=False))
    positions = sorted(p for k in chosen for p in units[keys[k]])
    return [examples[p] for p in positions]


def prepare_tasks(
    tasks: Sequence[TaskSpec],
    data_dir: Path | None,
    tokenizer,
    max_length: int,
    budget: Budget,
    seed: int,
) -> list[TaskData]:
    """Examples and features for training and for every evaluation split, in task order."""
    prepared = []
    for index, task in enumerate(tasks):
        train = subset(
            load_split(task, "train", data_dir),
            budget.max_train_samples,
            budget.train_fraction,
            seed,
        )
        if not train:
            raise TrainingError(f"task {task.name!r} has an empty training set in {data_dir}")
        features = tokenize_examples(train, task, tokenizer, max_length, cache_dir())
        eval_sets = []
        for split in task.eval_splits:
            examples = subset(
                load_split(task, split, data_dir), budget.max_eval_samples, 1.0, EVAL_SUBSET_SEED
            )
            eval_features = tokenize_examples(examples, task, tokenizer, max_length, cache_dir())
            eval_sets.append(EvalSet(index, task, split, examples, eval_features))
        prepared.append(TaskData(task, train, features, eval_sets))
    return prepared
