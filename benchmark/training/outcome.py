"""What one training run produced (``TrainOutcome``), and its form in a saved training state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchmark.results import example_predictions
from benchmark.results.example_predictions import SplitPredictions


@dataclass
class TrainOutcome:
    """What one training run produced, in the units the result record uses."""

    metrics: dict[str, dict[str, float]]
    main_scores: dict[str, float]
    selected_step: int
    steps: int
    history: list[dict] = field(default_factory=list)
    task_schedule: dict[str, list[list[int]]] = field(default_factory=dict)
    data_usage: dict = field(default_factory=dict)
    wall_time_s: float = 0.0
    scoring_precision: str | None = None
    regression_rule: str | None = None
    example_predictions: list[SplitPredictions] = field(default_factory=list)
    """The selected evaluation's per-example predictions, one entry per eval split."""
    starved_tasks: dict[str, dict[str, float | int]] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)
    """Seconds per phase: ``train_s`` (steps), ``score_s`` (choosing batches: MT-Uncertainty
    scoring), ``eval_s`` (dev evaluations), ``selection_s`` (held-out slice evaluations)."""

    def as_state(self) -> dict:
        """Plain values for a finished part's training state (predictions encoded)."""
        fields = dict(self.__dict__)
        fields["example_predictions"] = example_predictions.encode(self.example_predictions).data
        return fields

    @classmethod
    def from_state(cls, fields: dict, where: Path) -> TrainOutcome:
        values = dict(fields)
        values["example_predictions"] = example_predictions.decode(
            values["example_predictions"], where)
        return cls(**values)
