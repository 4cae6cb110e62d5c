"""Saving a run part's training state mid-run, resuming from it, and taking a part that
finished before the run was stopped (the file format: benchmark/training/train_state.py)."""

from __future__ import annotations

import logging

from benchmark.errors import BenchmarkError
from benchmark.training.heads import MultiTaskModel
from benchmark.training.outcome import TrainOutcome
from benchmark.training.progress import LoopProgress
from benchmark.training.samplers import TaskSampler
from benchmark.training.train_state import (
    PartState,
    TrainStateError,
    random_state,
    set_random_state,
    trainable_weights,
    weights_or_error,
)

log = logging.getLogger(__name__)


def state_contents(model: MultiTaskModel, optimizer, scheduler, sampler: TaskSampler,
                   progress: LoopProgress, wall_s: float) -> dict:
    """What resuming after this step needs (benchmark/training/train_state.py)."""
    return {
        "finished": False,
        "weights": trainable_weights(model),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "sampler": sampler.state_dict(),
        "progress": progress.state_dict(wall_s),
        "random": random_state(),
    }


def resume_part(state: PartState, saved: dict, model: MultiTaskModel, optimizer, scheduler,
                sampler: TaskSampler, progress: LoopProgress, total_steps: int) -> None:
    """Put a saved mid-training state back; torch's random state last, after everything
    that draws from it."""
    weights_or_error(state, saved, "weights", model)
    try:
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        sampler.load_state_dict(saved["sampler"])
        progress.load_state_dict(saved["progress"], state.path)
    except (KeyError, ValueError, TypeError, BenchmarkError) as exc:
        raise TrainStateError(
            f"{state.path} cannot be resumed ({exc}); delete it or rerun with --overwrite"
        ) from None
    set_random_state(saved["random"])
    log.info("resuming %s from its saved state after step %d of %d (%s)",
             "+".join(state.tasks), progress.step, total_steps, state.path)


def finished_part(model: MultiTaskModel, state: PartState, saved: dict) -> TrainOutcome:
    """A part that finished before the run was stopped: its weights and outcome, not retrained."""
    weights_or_error(state, saved, "weights", model)
    set_random_state(saved["random"])
    log.info("%s finished training before the run was stopped: kept from %s",
             "+".join(state.tasks), state.path)
    return TrainOutcome.from_state(saved["outcome"], state.path)
