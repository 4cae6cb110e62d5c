"""MT-Uncertainty candidates scored cheaply: scoring only has to rank, not to train.

Scoring the T x b candidates of every step used to cost more than the step itself (the
whole candidate set as one batch padded to its longest row, dropout on, full precision).
This scorer follows ``camtl.CandidateScorer``: eval and inference mode, candidates sorted by
length and run in chunks each padded to its own longest row, and, for CA-MTL encoders on a
CPU, int8 token-wise linears (the ranking agreement with fp32 is checked in
``tests/benchmarks/test_camtl_speed.py`` and ``tests/camtl``). The scores themselves come
from ``camtl.mt_uncertainty_scores``, the paper's rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from benchmark.data.tokenize import TokenizedExample
from benchmark.training.evaluate import outputs_by_length
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
    ) -> None:
        """``precision`` overrides the ``scoring_precision`` rule (fp32, bf16 or int8)."""
        self.model = model
        self.train_sets = train_sets
        self.pad_token_id = pad_token_id
        self.precision = precision or scoring_precision(model, training_precision)
        self.classes = [  # per task, fixed for the run
            1 if t.task_type == "regression"
            else t.num_outputs if t.task_type == "classification"
            else max(len(f.input_ids) for f in train_sets[i][:100])  # multiple choice
            for i, t in enumerate(model.tasks)
        ]  # fmt: skip
        self._int8 = Int8Cache()
        self._device = next(model.parameters()).device

    def __call__(self, candidates: Batch) -> np.ndarray:
        items = [(task, self.train_sets[task][index]) for task, index in candidates]
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
        return mt_uncertainty_scores(logits, task_ids, self.classes).float().numpy()
