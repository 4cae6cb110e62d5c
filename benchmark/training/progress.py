"""The training loop's running counts, in one object that a training state saves whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from benchmark.results import example_predictions
from benchmark.results.example_predictions import SplitPredictions
from benchmark.training.selection import CheckpointSelector
from benchmark.training.timing import PhaseTimes
from benchmark.training.usage import DataUsage


@dataclass
class LoopProgress:
    """Everything the loop accumulates over its steps besides the model and optimizer."""

    usage: DataUsage
    selector: CheckpointSelector
    times: PhaseTimes = field(default_factory=PhaseTimes)
    step: int = 0
    history: list[dict] = field(default_factory=list)
    task_steps: list[list[int]] = field(default_factory=list)
    """Per task, the steps whose batch held it."""
    task_rows: list[int] = field(default_factory=list)
    """Per task, its examples in batches that received an optimizer step."""
    running_loss: float = 0.0
    loss_count: int = 0
    best_state: dict[str, torch.Tensor] | None = None
    selected_predictions: list[SplitPredictions] = field(default_factory=list)
    earlier_wall_s: float = 0.0
    """Wall seconds this part trained in earlier processes (a resumed run)."""

    @classmethod
    def start(cls, usage: DataUsage, selector: CheckpointSelector) -> LoopProgress:
        tasks = len(usage.task_names)
        return cls(usage, selector, task_steps=[[] for _ in range(tasks)],
                   task_rows=[0] * tasks)

    def record_step(self, batch: list[tuple[int, int]], loss: float) -> None:
        """Count one optimizer step on ``batch``."""
        self.step += 1
        self.usage.record_update(batch)
        for task in {t for t, _ in batch}:
            self.task_steps[task].append(self.step)
        for task, _ in batch:
            self.task_rows[task] += 1
        self.running_loss += loss
        self.loss_count += 1

    def take_running_loss(self) -> float:
        """The mean loss since the last evaluation, and a fresh count."""
        mean = self.running_loss / max(1, self.loss_count)
        self.running_loss, self.loss_count = 0.0, 0
        return mean

    def state_dict(self, wall_s: float) -> dict:
        """Plain values and tensors; ``wall_s``: seconds trained so far in this process."""
        return {
            "usage": self.usage.state_dict(),
            "selector": self.selector.state_dict(),
            "times": dict(self.times.seconds),
            "step": self.step,
            "history": self.history,
            "task_steps": self.task_steps,
            "task_rows": self.task_rows,
            "running_loss": self.running_loss,
            "loss_count": self.loss_count,
            "best_state": self.best_state,
            "selected_predictions": example_predictions.encode(self.selected_predictions).data,
            "wall_s": self.earlier_wall_s + wall_s,
        }

    def load_state_dict(self, state: dict, where: Path) -> None:
        self.usage.load_state_dict(state["usage"])
        self.selector.load_state_dict(state["selector"])
        self.times.seconds = dict(state["times"])
        self.step = int(state["step"])
        self.history = list(state["history"])
        self.task_steps = [list(s) for s in state["task_steps"]]
        self.task_rows = list(state["task_rows"])
        self.running_loss, self.loss_count = state["running_loss"], state["loss_count"]
        self.best_state = state["best_state"]
        self.selected_predictions = example_predictions.decode(
            state["selected_predictions"], where)
        self.earlier_wall_s = float(state["wall_s"])
