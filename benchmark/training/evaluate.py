"""Prediction and scoring on evaluation splits, in length-sorted batches."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from benchmark.data.collate import collate
from benchmark.data.examples import Example
from benchmark.data.tokenize import TokenizedExample
from benchmark.formats.registry import format_of
from benchmark.metrics import score_examples
from benchmark.results.example_predictions import SplitPredictions
from benchmark.tasks.spec import TaskSpec
from benchmark.training.device import to_device
from benchmark.training.heads import MultiTaskModel
from benchmark.training.parallel import current_world


@dataclass
class EvalSet:
    """One split of one task, ready to predict on."""

    task_index: int
    task: TaskSpec
    split: str
    examples: list[Example]
    features: list[TokenizedExample]


def autocast_for(precision: str, device: torch.device):
    """bf16 autocast on the model's device, or nothing for fp32."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return nullcontext()


@torch.inference_mode()
def task_outputs(
    model: MultiTaskModel,
    items: Sequence[tuple[int, TokenizedExample]],
    pad_token_id: int,
    precision: str,
) -> list[torch.Tensor]:
    """Per-example outputs (logits, value, or choice scores) for one batch of items."""
    device = next(model.parameters()).device
    batch = to_device(collate(items, pad_token_id), device)
    with autocast_for(precision, device):
        logits = model(batch).float()
    outputs: list[torch.Tensor | None] = [None] * len(items)
    for index in torch.unique(batch["example_task"]).tolist():
        task = model.tasks[index]
        values, example_ids = format_of(task).example_outputs(logits, batch, task, index)
        for row, example_id in enumerate(example_ids.tolist()):
            outputs[example_id] = values[row]
    return outputs  # type: ignore[return-value]


def outputs_by_length(
    model: MultiTaskModel,
    items: Sequence[tuple[int, TokenizedExample]],
    batch_size: int,
    pad_token_id: int,
    precision: str,
) -> list[torch.Tensor]:
    """``task_outputs`` of many items in eval mode, in items' order.

    Items run longest first in chunks of ``batch_size``, each padded to its own longest
    row, so little compute goes to padding; the model's train/eval mode is restored. Launched
    on several processes, each runs every ``size``-th of these chunks and all outputs are
    gathered (``parallel.World.gather_chunks``): the same chunks, each computed once.
    """
    world = current_world()
    order = np.argsort([-feature.length for _, feature in items], kind="stable")
    computed: dict[int, torch.Tensor] = {}
    was_training = model.training
    model.eval()
    try:
        for number, start in enumerate(range(0, len(order), batch_size)):
            if not world.mine(number):
                continue
            chunk = order[start : start + batch_size]
            chunk_outputs = task_outputs(model, [items[i] for i in chunk], pad_token_id, precision)
            computed.update(zip(chunk.tolist(), chunk_outputs, strict=True))
    finally:
        model.train(was_training)
    computed = world.gather_chunks(computed)
    return [computed[i] for i in range(len(items))]


def predict(
    model: MultiTaskModel, eval_set: EvalSet, batch_size: int, pad_token_id: int, precision: str
) -> np.ndarray:
    """Predicted class index, regression value, or chosen candidate for every example; a
    format whose prediction is a sequence (a tag per word) gets an object array of tuples."""
    items = [(eval_set.task_index, feature) for feature in eval_set.features]
    outputs = outputs_by_length(model, items, batch_size, pad_token_id, precision)
    fmt = format_of(eval_set.task)
    decoded = [fmt.decode(eval_set.task, output) for output in outputs]
    if any(isinstance(value, tuple) for value in decoded):
        predictions = np.empty(len(decoded), dtype=object)
        predictions[:] = decoded
        return predictions
    return np.asarray(decoded, dtype=float).reshape(len(decoded))


def split_predictions(eval_set: EvalSet, predicted: np.ndarray) -> SplitPredictions:
    """What the split's metric consumed, per example, for the run's predictions file.

    The task's format says what that is (``TaskFormat.prediction_values``): ReCoRD's metric
    compares entity strings, so its prediction is the chosen entity and its gold the list of
    answers; every other built-in format keeps the index or value ``predict`` gave.
    """
    examples = eval_set.examples
    values, gold = format_of(eval_set.task).prediction_values(eval_set.task, examples, predicted)
    has_groups = any(e.group is not None for e in examples)
    return SplitPredictions(
        eval_set.task.name, eval_set.split, tuple(e.uid for e in examples), values, gold,
        tuple(e.group for e in examples) if has_groups else None,  # type: ignore[arg-type]
    )


def evaluate_with_predictions(
    model: MultiTaskModel,
    eval_sets: Sequence[EvalSet],
    batch_size: int,
    pad_token_id: int,
    precision: str,
) -> tuple[dict[str, dict[str, float]], list[SplitPredictions]]:
    """``evaluate``'s metrics and the per-example predictions they were computed from."""
    metrics: dict[str, dict[str, float]] = {}
    kept: list[SplitPredictions] = []
    for eval_set in eval_sets:
        predictions = predict(model, eval_set, batch_size, pad_token_id, precision)
        if eval_set.task.task_type != "regression" and predictions.dtype != object:
            predictions = predictions.astype(int)
        scores = score_examples(
            eval_set.task, eval_set.examples, list(predictions), split=eval_set.split
        )
        metrics.setdefault(eval_set.task.name, {}).update(scores)
        kept.append(split_predictions(eval_set, predictions))
    return metrics, kept


def evaluate(
    model: MultiTaskModel,
    eval_sets: Sequence[EvalSet],
    batch_size: int,
    pad_token_id: int,
    precision: str,
) -> dict[str, dict[str, float]]:
    """Metrics per task; extra evaluation splits (MNLI mismatched) carry their split as suffix."""
    return evaluate_with_predictions(model, eval_sets, batch_size, pad_token_id, precision)[0]
