"""Load, budget and tokenize every task of a run, once per run."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmark.data.examples import Example, example_units
from benchmark.data.loading import load_split_counted, uses_train_fallback
from benchmark.data.tokenize import TokenizedExample, tokenize_examples
from benchmark.errors import TrainingError
from benchmark.runs.spec import Budget
from benchmark.tasks.spec import TaskSpec
from benchmark.training.config import TrainConfig
from benchmark.training.evaluate import EvalSet

EVAL_SUBSET_SEED = 0
"""Evaluation subsets are the same for every method and seed, so scores compare."""


def cache_dir() -> Path:
    """Where tokenized splits are cached across runs ($CAMTL_BENCH_CACHE overrides)."""
    root = os.environ.get("CAMTL_BENCH_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "camtl-bench" / "tokenized"


SELECTION_SPLIT = "train-heldout"
"""What ``best`` selects on: a seeded slice carved off each task's training examples."""
SELECTION_MIN, SELECTION_MAX = 8, 500
"""The slice's size in examples-or-groups: ``selection_fraction`` of them, clamped to this
range, and never more than half, so that most of a small budget still trains."""
SELECTION_STREAM = 1
"""Mixed with the run's seed so the slice does not repeat the budget subset's draw."""


@dataclass
class TaskData:
    task: TaskSpec
    train_examples: list[Example]
    train_features: list[TokenizedExample]
    eval_sets: list[EvalSet]
    selection_set: EvalSet | None = None
    """The held-out slice ``best`` selects on (None for ``best-dev`` and ``last``)."""
    read_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """{split: what the format counted reading the whole file} (SNLI's '-' rows dropped)."""
    train_source: dict | None = None
    """How a ``train_fallback`` task's training part was cut from another split; None when
    it trained on its own train split."""


def hold_out(
    examples: Sequence[Example], fraction: float, seed: int, task: str
) -> tuple[list[Example], list[Example]]:
    """``(train, held_out)``: a seeded slice of whole units, disjoint from what trains."""
    units = example_units(examples)
    keys = list(units)
    wanted = min(max(math.ceil(fraction * len(keys)), SELECTION_MIN), SELECTION_MAX)
    wanted = min(wanted, len(keys) // 2)
    if wanted < 1:
        raise TrainingError(
            f"task {task!r} has {len(keys)} training example(s): too few to hold out a "
            "selection slice for model_selection best; raise --max-train-samples or use "
            "--model-selection last"
        )
    rng = np.random.default_rng([SELECTION_STREAM, seed])
    chosen = {keys[k] for k in rng.choice(len(keys), size=wanted, replace=False)}
    held = sorted(p for key in chosen for p in units[key])
    kept = sorted(p for key in keys if key not in chosen for p in units[key])
    return [examples[p] for p in kept], [examples[p] for p in held]


def selection_record(data: Sequence[TaskData], cfg: TrainConfig, seed: int) -> dict:
    """How the run selected its checkpoint, for the record (``training.selection``)."""
    if cfg.model_selection == "best":
        return {
            "rule": "best",
            "split": SELECTION_SPLIT,
            "fraction": cfg.selection_fraction,
            "size": {
                d.task.name: len(d.selection_set.examples) for d in data if d.selection_set
            },
            "seed": seed,
            "optimistic": False,
        }
    if cfg.model_selection == "best-dev":
        return {"rule": "best-dev", "split": "dev", "optimistic": True}
    return {"rule": "last", "split": None, "optimistic": False}


def rows_dropped(data: Sequence[TaskData]) -> dict:
    """``{"rows_dropped": {task: {split: {reason: n}}}}`` for the record's budget, where a
    format dropped rows reading a whole split file (before any budget subset); else ``{}``."""
    dropped = {d.task.name: d.read_counts for d in data if d.read_counts}
    return {"rows_dropped": dropped} if dropped else {}


def train_sources(data: Sequence[TaskData]) -> dict:
    """``{"train_from_part_of": {task: provenance}}`` for the record's budget, where a task
    trained on part of another split (its ``train_fallback``); else ``{}``."""
    parts = {d.task.name: d.train_source for d in data if d.train_source}
    return {"train_from_part_of": parts} if parts else {}


def format_settings(data: Sequence[TaskData], max_length: int) -> dict:
    """``{"format_settings": {task: settings}}`` for the record's budget: what a task's
    format derived from the run's settings (QA windows); else ``{}``."""
    derived = {d.task.name: d.task.task_format.run_settings(d.task, max_length) for d in data}
    derived = {name: value for name, value in derived.items() if value}
    return {"format_settings": derived} if derived else {}


def fallback_parts(task: TaskSpec, data_dir: Path | None
                   ) -> tuple[list[Example], list[Example], dict[str, int], dict]:
    """(training part, evaluation part, read counts, provenance) of a task that trains on
    part of another split: the format cuts it by its own unit, with the fallback's seed."""
    fallback = task.train_fallback
    assert fallback is not None
    examples, counts = load_split_counted(task, fallback.source, data_dir)
    train, rest, provenance = task.task_format.split_units(
        examples, fallback.train_fraction, fallback.seed)
    return train, rest, counts, {"source": fallback.source, **provenance}


def subset(
    examples: Sequence[Example], limit: int | None, fraction: float, seed: int
) -> list[Example]:
    """A seeded subset that keeps grouped examples (MultiRC questions) together."""
    units = example_units(examples)
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
    selection_fraction: float | None = None,
) -> list[TaskData]:
    """Examples and features for training and for every evaluation split, in task order.

    With ``selection_fraction`` a selection slice is carved off each task's budgeted training
    examples (``hold_out``); what remains is what trains and what data usage calls available.
    """
    prepared = []
    for index, task in enumerate(tasks):
        held_part, provenance = None, None
        if uses_train_fallback(task, data_dir):
            examples, held_part, counts, provenance = fallback_parts(task, data_dir)
        else:
            examples, counts = load_split_counted(task, "train", data_dir)
        read_counts = {"train": counts} if counts else {}
        train = subset(
            examples,
            budget.train_cap(task.name),
            budget.train_fraction,
            seed,
        )
        if not train:
            raise TrainingError(f"task {task.name!r} has an empty training set in {data_dir}")
        selection_set = None
        if selection_fraction is not None:
            train, held = hold_out(train, selection_fraction, seed, task.name)
            held_features = tokenize_examples(held, task, tokenizer, max_length, cache_dir())
            # scored as the first eval split, so its metrics carry the unsuffixed keys
            split = task.eval_splits[0] if task.eval_splits else "dev"
            selection_set = EvalSet(index, task, split, held, held_features)
        features = tokenize_examples(train, task, tokenizer, max_length, cache_dir())
        eval_sets = []
        for split in task.eval_splits:
            if held_part is not None and split == provenance["source"]:
                examples, counts = held_part, {}  # what the training part left of it
            else:
                examples, counts = load_split_counted(task, split, data_dir)
            read_counts.update({split: counts} if counts else {})
            examples = subset(examples, budget.max_eval_samples, 1.0, EVAL_SUBSET_SEED)
            eval_features = tokenize_examples(examples, task, tokenizer, max_length, cache_dir())
            eval_sets.append(EvalSet(index, task, split, examples, eval_features))
        prepared.append(TaskData(task, train, features, eval_sets, selection_set, read_counts,
                                 provenance))
    return prepared
