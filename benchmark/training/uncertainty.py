"""MT-Uncertainty candidates scored cheaply: scoring only has to rank, not to train.

Scoring the T x b candidates of every step used to cost more than the step itself (the
whole candidate set as one batch padded to its longest row, dropout on, full precision).
This scorer runs the candidates in inference mode, sorted by length, in chunks each padded to
its own longest row. How the model itself runs over them is the method's choice,
``Method.candidate_scoring`` (benchmark/methods/scoring.py): by default eval mode in the
training precision; CA-MTL's hook adds int8 token-wise linears on CPUs (its ranking agreement
with fp32 is checked in ``tests/benchmarks/test_camtl_speed.py`` and ``tests/camtl``). The
scores come from ``benchmark.training.uncertainty_scores``: the reference code's formula
(task-weighted normalised entropy), not the paper's written one, which divides by a per-step
constant and ranks by the normalised entropy alone.

``scoring_mode="train-fp32"`` (``fidelity: reference``) asks the hook for the reference code's
way: train mode, so with a dropout draw, in fp32 (the default hook and CA-MTL's give exactly
that). ``regression_scores_from`` names a task whose scores the regression candidates copy (the
reference: MRPC's onto STS-B); without that task among the run's tasks the average-task rule
applies, and ``regression_rule`` says which one ran.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from benchmark.data.tokenize import TokenizedExample
from benchmark.formats.registry import format_of
from benchmark.methods.interface import Method
from benchmark.methods.scoring import CandidateScoring, ScoringRequest
from benchmark.training.evaluate import outputs_by_length, task_outputs
from benchmark.training.heads import MultiTaskModel
from benchmark.training.parallel import current_world
from benchmark.training.samplers import Batch
from benchmark.training.uncertainty_scores import normalized_entropies, task_weighted_scores

CHUNK_SIZE = 32
_UNREAD = torch.zeros(1)
"""The stand-in output of a candidate whose score does not read its output."""


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
        method: Method | None = None,
    ) -> None:
        """``method``: whose ``candidate_scoring`` hook decides how the model runs (None: the
        default hook); ``precision`` insists on fp32, bf16 or int8 (tests, speed checks)."""
        self.model = model
        self.train_sets = train_sets
        self.pad_token_id = pad_token_id
        self._device = next(model.parameters()).device
        request = ScoringRequest(training_precision, self._device, scoring_mode, precision)
        self.scoring = (
            method.candidate_scoring(model.encoder, request)
            if method is not None
            else CandidateScoring.default(request)
        )
        self.precision = self.scoring.precision
        self.regression = [t.task_type == "regression" for t in model.tasks]
        self.token_formats = any(format_of(t).token_states for t in model.tasks)
        self.regression_source, self.regression_rule = _regression_rule(
            model, regression_scores_from
        )

    def __call__(self, candidates: Batch) -> np.ndarray:
        items = [(task, self.train_sets[task][index]) for task, index in candidates]
        with self.scoring.context(self._device):
            if self.scoring.train_mode:  # the model's own mode (train), dropout on
                outputs = [
                    out
                    for start in range(0, len(items), CHUNK_SIZE)
                    for out in task_outputs(
                        self.model, items[start : start + CHUNK_SIZE], self.pad_token_id, "fp32"
                    )
                ]
            else:
                outputs = self._eval_outputs(items)
        task_ids = torch.tensor([task for task, _ in candidates])
        scores = task_weighted_scores(
            self._entropies(outputs, task_ids), task_ids, self.regression,
            self.regression_source,
        )
        # train mode draws dropout from each process's own generator: the main process's
        # scores are everyone's, so that all processes select the same batch
        scores = scores.float().numpy()
        return current_world().broadcast(scores) if self.scoring.train_mode else scores

    def _eval_outputs(self, items: list[tuple[int, TokenizedExample]]) -> list[torch.Tensor]:
        """Outputs of the candidates whose scores read them. A regression candidate's score
        is copied or a quantile of the others' (``task_weighted_scores``), never its own
        output, so it is not run (a zero stands in): on GLUE that is STS-B's share of the
        scoring, an eighth of its tokens. Train mode runs everything: skipping rows there
        would shift the dropout stream of the reference-faithful mode."""
        read = [i for i, (task, _) in enumerate(items) if not self.regression[task]]
        computed = outputs_by_length(
            self.model, [items[i] for i in read], CHUNK_SIZE, self.pad_token_id, "fp32"
        ) if read else []
        outputs = [_UNREAD] * len(items)
        for i, output in zip(read, computed, strict=True):
            outputs[i] = output
        return outputs

    def _entropies(self, outputs: list[torch.Tensor], task_ids: torch.Tensor) -> torch.Tensor:
        """Each candidate's normalised entropy as its task's format defines it (a token
        task: the mean over words of each word's tag entropy / log(tags))."""
        if not self.token_formats:
            return normalized_entropies(outputs)
        entropies = torch.zeros(len(outputs))
        for index in torch.unique(task_ids).tolist():
            task = self.model.tasks[index]
            where = torch.nonzero(task_ids == index).squeeze(-1).tolist()
            entropies[where] = format_of(task).entropies(task, [outputs[i] for i in where])
        return entropies


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
