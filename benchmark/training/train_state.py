"""A run's resumable training state: saved every few minutes or steps, resumed on restart.

A run killed by a time limit, a preemption or SIGKILL loses only the steps since its last
saved state. The state holds what the next step depends on: the trained weights, the
optimizer's moments, the schedule, the sampler (its random generator, its queues, where it
is in the epoch), torch's random state (dropout), the data-usage counters, the history,
the evaluation selected so far and its weights. A run resumed from it takes exactly the
steps the uninterrupted run would have taken, so its record is the same (tested with
SIGKILL at two points, tests/runs/test_resume_after_kill.py).

Each part of a run (a per-task model of stl, or the one joint model) has its own file. A
part that finished keeps its final weights and outcome there, so a run killed while training
its fourth task model does not train the first three again. The files are plain tensors
and values (``torch.load(weights_only=True)``: no code runs when one is read), written
atomically, and deleted once the run's record is written.
"""

from __future__ import annotations

import io
import logging
import pickle
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from benchmark.atomic import atomic_write_bytes
from benchmark.errors import BenchmarkError

log = logging.getLogger(__name__)

STATE_FORMAT = 1
"""Bumped when the contents change: a state of another format is refused, not misread."""


class TrainStateError(BenchmarkError):
    """A saved training state that cannot be resumed (corrupt, edited, another run's)."""


def trainable_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The parameters training changes, and every buffer (frozen weights never change, so a
    state need not carry them: the model rebuilt from the backbone has them)."""
    weights = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    weights.update({f"buffer:{n}": b.detach().clone() for n, b in model.named_buffers()})
    return weights


def load_trainable_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Put ``trainable_weights``'s tensors back, refusing any that do not fit the model."""
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    expected = {n for n, p in params.items() if p.requires_grad} | {f"buffer:{n}" for n in buffers}
    if set(weights) != expected:
        missing, extra = sorted(expected - set(weights)), sorted(set(weights) - expected)
        raise ValueError(f"weights do not fit the model (missing {missing[:3]}, extra {extra[:3]})")
    with torch.no_grad():
        for name, value in weights.items():
            target = buffers[name[7:]] if name.startswith("buffer:") else params[name]
            if target.shape != value.shape:
                raise ValueError(f"{name}: saved shape {tuple(value.shape)}, model "
                                 f"{tuple(target.shape)}")
            target.copy_(value)


def random_state() -> dict[str, Any]:
    """torch's generators (CPU, and CUDA's when present): dropout draws from them."""
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass(frozen=True)
class SavePolicy:
    """When a training state is saved: every ``every_steps`` optimizer steps and/or every
    ``every_minutes`` of training (None: never by that measure)."""

    every_steps: int | None = None
    every_minutes: float | None = 10.0

    def due(self, step: int, last_saved_at: float, now: float | None = None) -> bool:
        if self.every_steps and step % self.every_steps == 0:
            return True
        if self.every_minutes:
            return (time.monotonic() if now is None else now) - last_saved_at >= \
                60.0 * self.every_minutes
        return False


@dataclass(frozen=True)
class PartState:
    """The state file of one part of a run (its ``index`` in the run's training order)."""

    path: Path
    run_id: str
    tasks: tuple[str, ...]

    def save(self, contents: dict[str, Any]) -> None:
        """Write ``contents`` (plain values and tensors) atomically, stamped with the part."""
        buffer = io.BytesIO()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"format": STATE_FORMAT, "run_id": self.run_id, "tasks": list(self.tasks),
                    **contents}, buffer)
        atomic_write_bytes(self.path, buffer.getvalue())

    def load(self) -> dict[str, Any] | None:
        """The saved contents, None when there is none; refuses one it cannot trust."""
        if not self.path.exists():
            return None
        way_out = (f"delete {self.path} (the run then starts this part from its first step) "
                   "or rerun with --overwrite")
        try:
            contents = torch.load(self.path, weights_only=True, map_location="cpu")
        except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError,
                OSError, ValueError) as exc:
            raise TrainStateError(f"{self.path} is not a readable training state ({exc}); "
                                  f"{way_out}") from None
        if not isinstance(contents, dict) or contents.get("format") != STATE_FORMAT:
            raise TrainStateError(f"{self.path} is not a training state of format "
                                  f"{STATE_FORMAT}; {way_out}")
        if contents.get("run_id") != self.run_id or contents.get("tasks") != list(self.tasks):
            raise TrainStateError(
                f"{self.path} holds the state of run {contents.get('run_id')} over "
                f"{contents.get('tasks')}, not of run {self.run_id} over {list(self.tasks)}; "
                f"{way_out}")
        return contents


@dataclass(frozen=True)
class RunStates:
    """The folder of one run's part states: ``<results>/.claims/<run_id>.state/``, beside
    the run's claim (benchmark/runs/claims.py)."""

    folder: Path
    run_id: str
    policy: SavePolicy

    def part(self, index: int, tasks: tuple[str, ...]) -> PartState:
        return PartState(self.folder / f"part-{index}.pt", self.run_id, tasks)

    def exists(self) -> bool:
        return self.folder.is_dir() and any(self.folder.glob("part-*.pt"))

    def remove(self) -> None:
        """Delete the states: after the record is written, or before an --overwrite rerun."""
        shutil.rmtree(self.folder, ignore_errors=True)


def weights_or_error(state: PartState, contents: dict[str, Any], key: str,
                     model: torch.nn.Module) -> None:
    """Load ``contents[key]`` into ``model``, a mismatch named as a state error."""
    try:
        load_trainable_weights(model, contents[key])
    except (KeyError, ValueError, TypeError) as exc:
        raise TrainStateError(
            f"{state.path}: its weights do not fit run {state.run_id}'s model ({exc}); delete "
            "the file or rerun with --overwrite") from None
