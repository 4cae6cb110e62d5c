"""MT-Uncertainty candidates scored cheaply: scoring only has to rank, not to train.

Scoring the T x b candidates of every step used to cost more than the step itself (the
whole candidate set as one batch padded to its longest row, dropout on, full precision).
This scorer follows ``camtl.CandidateScorer``: eval and inference mode, candidates sorted by
length and run in chunks each padded to its own longest row, and, for CA-MTL encoders on a
CPU, int8 token-wise linears (the ranking agreement with fp32 is checked in
``tests/benchmarks/test_camtl_speed.py`` and ``tests/camtl``). The scores themselves come
from ``camtl.mt_uncertainty_scores``: the reference code's formula (task-weighted normalised
entropy), not the paper's written one, which divides by a per-step constant and ranks by the
normalised entropy alone.

``scoring_mode="train-fp32"`` (``fidelity: reference``) scores as the reference code does: train
mode, so with a dropout draw, in fp32. ``regression_scores_from`` names a task whose scores the
regression candidates copy (the reference: MRPC's onto STS-B); without that task among the
run's tasks the average-task rule applies, and ``regression_rule`` says which one ran.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from benchmark.data.tokenize import TokenizedExample
from benchmark.training.evaluate import outputs_by_length, task_outputs
from benchmark.training.heads import MultiTaskModel
from benchmark.training.samplers import Batch
from camtl import CaMtlEncoder, default_precision, mt_uncertainty_scores
from camtl.quantized import Int8Cache
from camtl.scoring import scoring_context

CHUNK_SIZE = 32


def scoring_precision(model: MultiTaskModel, training_precision: str) -> str:
    """int8 for CA-MTL encoders on CPUs (camtl's tested fast path), else the training precision."""
    device = next(model.parameters()).device
    if isinstance(model.encoder, CaMtlEncoder):
        return default_precision(device)
    return training_precision


class UncertaintyScorer:
    """Scores a step's candidates (higher = more uncertain) with the model being trained."""

    def __init__(
        self,
        model: MultiTaskModel,
        train_sets: Sequence[Sequence[TokenizedExample]],
        pad_token_id: int,
        training_precision: str,
        precision: str | None = None,
        scoring_mode: str = "eval",
        regression_scores_from: str | None = None,
    ) -> None:
        """``precision`` overrides the ``scoring_precision`` rule (fp32, bf16 or int8)."""
        if scoring_mode not in ("eval", "train-fp32"):
            raise ValueError(f"scoring_mode must be eval or train-fp32, got {scoring_mode!r}")
        self.model = model
        self.train_sets = train_sets
        self.pad_token_id = pad_token_id
        self.mode = scoring_mode
        if scoring_mode == "train-fp32":
            self.precision = "fp32"
        else:
            self.precision = precision or scoring_precision(model, training_precision)
        self.classes = [  # per task, fixed for the run
            1 if t.task_type == "regression"
            else t.num_outputs if t.task_type == "classification"
            else max(len(f.input_ids) for f in train_sets[i][:100])  # multiple choice
            for i, t in enumerate(model.tasks)
        ]  # fmt: skip
        self._int8 = Int8Cache()
        self._device = next(model.parameters()).device
        self.regression_source, self.regression_rule = _regression_rule(
            model, regression_scores_from
        )

    def __call__(self, candidates: Batch) -> np.ndarray:
        items = [(task, self.train_sets[task][index]) for task, index in candidates]
        if self.mode == "train-fp32":  # the model's own mode (train), dropout on
            outputs = [
                out
                for start in range(0, len(items), CHUNK_SIZE)
                for out in task_outputs(
                    self.model, items[start : start + CHUNK_SIZE], self.pad_token_id, "fp32"
                )
            ]
            return self._scores(outputs, candidates)
        with scoring_context(self.model.encoder, self.precision, self._int8, self._device):
            outputs = outputs_by_length(self.model, items, CHUNK_SIZE, self.pad_token_id, "fp32")
        return self._scores(outputs, candidates)

    def _scores(self, outputs: list, candidates: Batch) -> np.ndarray:
        width = max(max(o.numel() for o in outputs), max(self.classes), 2)
        logits = torch.full((len(outputs), width), -1e4)
        for row, out in enumerate(outputs):
            flat = out.reshape(-1).float().cpu().nan_to_num(neginf=-1e4)
            logits[row, : flat.numel()] = flat
        task_ids = torch.tensor([task for task, _ in candidates])
        scores = mt_uncertainty_scores(logits, task_ids, self.classes, self.regression_source)
        return scores.float().numpy()


def _regression_rule(model: MultiTaskModel, source: str | None) -> tuple[int | None, str]:
    """The task index regression candidates copy, and the rule's name for the record."""
    if not any(t.task_type == "regression" for t in model.tasks):
        return None, "none (no regression task)"
    if source is None:
        return None, "average-task"
    for index, task in enumerate(model.tasks):
        if task.name == source and task.task_type == "classification" and task.num_outputs > 1:
            return index, f"copy {source}"
    return None, f"average-task ({source} is not a classification task of this run)"
