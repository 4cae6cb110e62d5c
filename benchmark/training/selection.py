"""Model selection: which evaluation becomes the run's result.

``best`` compares evaluations on a held-out slice of the training data and reports the dev
split of the chosen checkpoint, so the reported numbers were not used to choose them.
``best-dev`` is the reference code's choice: every metric's maximum over the dev evaluations
(they may come from different checkpoints), which is optimistic. ``last`` keeps the final one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from benchmark.metrics import main_score
from benchmark.tasks.spec import TaskSpec

Metrics = dict[str, dict[str, float]]


def slice_scores(tasks: Sequence[TaskSpec], metrics: Metrics) -> dict[str, float]:
    """0..100 score per task on the selection slice: the mean of the task's own metrics."""
    by_name = {t.name: t for t in tasks}
    return {
        name: 100.0 * float(np.mean([values[m] for m in by_name[name].metrics]))
        for name, values in metrics.items()
    }


@dataclass
class CheckpointSelector:
    """Fed every evaluation by the training loop; ``keep`` says when to snapshot the weights."""

    rule: str
    tasks: Sequence[TaskSpec]
    step: int = -1
    metrics: Metrics = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    _criterion: float = -np.inf

    def consider(
        self, step: int, dev_metrics: Metrics, dev_scores: Mapping[str, float],
        selection_scores: Mapping[str, float] | None,
    ) -> bool:
        """Take one evaluation; True when the weights of this step are the new selection."""
        if self.rule == "best-dev":
            self._merge_maxima(dev_metrics)
        judged = selection_scores if self.rule == "best" else dev_scores
        criterion = float(np.mean(list(judged.values()))) if judged else 0.0
        if self.rule != "last" and self.step >= 0 and criterion <= self._criterion:
            return False
        self.step, self._criterion = step, criterion
        if self.rule != "best-dev":
            self.metrics, self.scores = dev_metrics, dict(dev_scores)
        return True

    def state_dict(self) -> dict:
        """What the selector has kept so far, for a resumable training state."""
        return {"step": self.step, "metrics": self.metrics, "scores": self.scores,
                "criterion": self._criterion}

    def load_state_dict(self, state: dict) -> None:
        self.step, self.metrics, self.scores = state["step"], state["metrics"], state["scores"]
        self._criterion = state["criterion"]

    def _merge_maxima(self, dev_metrics: Metrics) -> None:
        for task, values in dev_metrics.items():
            kept = self.metrics.setdefault(task, {})
            for name, value in values.items():
                if name not in kept or kept[name] is None or (
                    value is not None and value > kept[name]
                ):
                    kept[name] = value
        by_name = {t.name: t for t in self.tasks}
        self.scores = {t: main_score(by_name[t], m) for t, m in self.metrics.items()}
