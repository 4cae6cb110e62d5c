"""After training: diagnostics scored with their training task's model, and test-set files.

AX is predicted with the MNLI model and AX-b/AX-g with the RTE model, as the GLUE and
SuperGLUE servers expect; diagnostics with labels (AX-b, AX-g) are scored here too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from benchmark.data.loading import load_split, missing_splits
from benchmark.data.tokenize import tokenize_examples
from benchmark.predictions import write_test_predictions
from benchmark.results.example_predictions import SplitPredictions
from benchmark.runs.prepare import cache_dir
from benchmark.tasks.registry import get_suite_diagnostics, get_task, suite_names
from benchmark.tasks.spec import TaskSpec
from benchmark.training.config import TrainConfig
from benchmark.training.evaluate import EvalSet, evaluate_with_predictions, predict
from benchmark.training.heads import MultiTaskModel
from benchmark.training.parallel import current_world

log = logging.getLogger(__name__)


def _owner(models: Sequence[MultiTaskModel], task_name: str) -> tuple[MultiTaskModel, int] | None:
    for model in models:
        for index, task in enumerate(model.tasks):
            if task.name == task_name:
                return model, index
    return None


def diagnostic_tasks(suite: str, trained: Sequence[str]) -> list[TaskSpec]:
    """The suite's diagnostics whose training task was trained in this run."""
    if suite not in suite_names():
        return []
    tasks = [get_task(n) for n in get_suite_diagnostics(suite)]
    return [t for t in tasks if t.evaluated_with in trained]


def _eval_set(task, split, model_index, root, tokenizer, max_length) -> EvalSet:
    examples = load_split(task, split, root)
    features = tokenize_examples(examples, task, tokenizer, max_length, cache_dir())
    return EvalSet(model_index, task, split, examples, features)


def score_diagnostics(
    models: Sequence[MultiTaskModel],
    diagnostics: Sequence[TaskSpec],
    root: Path | None,
    tokenizer,
    cfg: TrainConfig,
    kept: list[SplitPredictions] | None = None,
) -> tuple[dict[str, dict[str, float]], list[tuple[str, str]]]:
    """Metrics of the labelled diagnostics; (task, reason) for those that could not run.

    ``kept``, when given, receives their per-example predictions (the run's predictions file).
    """
    metrics: dict[str, dict[str, float]] = {}
    skipped: list[tuple[str, str]] = []
    for task in diagnostics:
        if not task.eval_splits:
            continue  # unlabelled (AX): only the server can score it
        missing = missing_splits([task], task.eval_splits, root)
        if missing:
            skipped.append((task.name, f"no {missing[0][1]} split (looked for {missing[0][2]})"))
            continue
        model, index = _owner(models, task.evaluated_with)
        sets = [
            _eval_set(task, s, index, root, tokenizer, cfg.max_length) for s in task.eval_splits
        ]
        scored, predictions = evaluate_with_predictions(
            model, sets, cfg.eval_batch_size, tokenizer.pad_token_id, cfg.precision
        )
        metrics.update(scored)
        if kept is not None:
            kept.extend(predictions)
    return metrics, skipped


def write_predictions(
    models: Sequence[MultiTaskModel],
    diagnostics: Sequence[TaskSpec],
    root: Path | None,
    tokenizer,
    cfg: TrainConfig,
    out_dir: Path,
) -> list[str]:
    """Server-ready files for every test split of the trained tasks and diagnostics."""
    written: list[str] = []
    targets = [(t, t.name) for m in models for t in m.tasks]
    targets += [(t, t.evaluated_with) for t in diagnostics]
    for task, owner_name in targets:
        model, index = _owner(models, owner_name)
        for split in task.test_splits:
            if missing_splits([task], [split], root):
                log.warning("%s: no %s split, no prediction file", task.name, split)
                continue
            eval_set = _eval_set(task, split, index, root, tokenizer, cfg.max_length)
            predictions = predict(
                model, eval_set, cfg.eval_batch_size, tokenizer.pad_token_id, cfg.precision
            )
            if task.task_type != "regression":
                predictions = predictions.astype(int)
            if not current_world().is_main:  # computed by every process, written by one
                continue
            for submission in task.submissions:
                path = write_test_predictions(
                    task,
                    eval_set.examples,
                    list(predictions),
                    out_dir,
                    split=split,
                    server=submission.server,
                )
                written.append(str(path))
    return written
