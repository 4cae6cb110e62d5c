"""Task samplers: which examples of which tasks make up each training batch.

Every sampler is seeded and deterministic for a given seed. Fixed-schedule
samplers (sequential, proportional, uniform, temperature) emit single-task
batches; MT-Uncertainty draws candidates from every task and keeps the ones the
model is least sure about, so its batches mix tasks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from benchmark.errors import UnknownNameError

Batch = list[tuple[int, int]]
"""A batch as (task index, example index) pairs."""

Scorer = Callable[[Batch], "np.ndarray"]
"""Scores candidates (higher = more uncertain) for MT-Uncertainty."""


class _TaskStream:
    """Endless shuffled pass over one task's examples, optionally length-grouped.

    Length grouping sorts each chunk of ``group_size`` batches by length before cutting
    batches, so a dynamically padded batch holds examples of similar length.
    """

    def __init__(
        self, lengths: Sequence[int], batch_size: int, rng: np.random.Generator, group: bool
    ):
        self.lengths = np.asarray(lengths)
        self.batch_size, self.rng, self.group = batch_size, rng, group
        self._queue: list[int] = []

    def _refill(self) -> None:
        order = self.rng.permutation(len(self.lengths))
        if self.group:
            chunk = self.batch_size * 50
            pieces = [order[i : i + chunk] for i in range(0, len(order), chunk)]
            order = np.concatenate([p[np.argsort(-self.lengths[p], kind="stable")] for p in pieces])
            batches = [
                order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)
            ]
            order = np.concatenate([batches[i] for i in self.rng.permutation(len(batches))])
        self._queue.extend(int(i) for i in order)

    def take(self, count: int) -> list[int]:
        while len(self._queue) < count:
            self._refill()
        taken, self._queue = self._queue[:count], self._queue[count:]
        return taken


@dataclass
class SamplerContext:
    """What a sampler needs to know about the tasks of one run."""

    lengths: Sequence[Sequence[int]]
    batch_size: int
    seed: int
    group_by_length: bool = True
    temperature: float = 2.0
    warmup_steps: int = 0
    """MT-Uncertainty: steps whose batch is a random draw from the candidates (unscored)."""
    uncertainty_epoch: str = "sum"
    """MT-Uncertainty: an epoch is the sum of the tasks' batches (``sum``) or the reference
    code's largest task's batches x T (``largest-x-tasks``)."""

    @property
    def sizes(self) -> list[int]:
        return [len(x) for x in self.lengths]

    def batches_per_task(self) -> list[int]:
        return [math.ceil(n / self.batch_size) for n in self.sizes]


class TaskSampler:
    """Base class: ``steps_per_epoch`` and ``epoch(scorer)``, one epoch at a time.

    ``position`` counts the batches the current epoch has yielded. With the random
    generator and the streams' queues it is the sampler's whole state (``state_dict``),
    so a run resumed from a saved training state continues mid-epoch with the very
    batches the uninterrupted run would have drawn.
    """

    name = "base"
    mixes_tasks = False

    def __init__(self, ctx: SamplerContext):
        self.ctx = ctx
        self.rng = np.random.default_rng(ctx.seed)
        self.streams = [
            _TaskStream(lengths, ctx.batch_size, self.rng, ctx.group_by_length)
            for lengths in ctx.lengths
        ]
        self.position = 0
        self.steps_drawn = 0

    def steps_per_epoch(self) -> int:
        return sum(self.ctx.batches_per_task())

    def task_probabilities(self) -> np.ndarray:
        raise NotImplementedError

    def epoch(self, scorer: Scorer | None = None) -> Iterator[Batch]:
        """Yield (the rest of) one epoch of single-task batches drawn by ``task_probabilities``."""
        probs = self.task_probabilities()
        for _ in self._positions():
            task = int(self.rng.choice(len(probs), p=probs))
            yield [(task, i) for i in self.streams[task].take(self._batch_len(task))]

    def _positions(self) -> Iterator[int]:
        """The epoch's remaining batch positions; ``position`` counts each before its batch
        is yielded, so a state saved after a step already counts that step's batch."""
        while self.position < self.steps_per_epoch():
            self.position += 1
            self.steps_drawn += 1
            yield self.position - 1
        self.position = 0

    def state_dict(self) -> dict:
        """Plain values (ints, lists, strings) that ``load_state_dict`` restores exactly."""
        return {
            "name": self.name,
            "rng": self.rng.bit_generator.state,
            "queues": [list(s._queue) for s in self.streams],
            "position": self.position,
            "steps_drawn": self.steps_drawn,
        }

    def load_state_dict(self, state: dict) -> None:
        if state["name"] != self.name or len(state["queues"]) != len(self.streams):
            raise ValueError(
                f"a saved {state['name']} sampler state over {len(state['queues'])} tasks "
                f"does not fit this {self.name} sampler over {len(self.streams)}"
            )
        self.rng.bit_generator.state = state["rng"]
        for stream, queue in zip(self.streams, state["queues"], strict=True):
            stream._queue = [int(i) for i in queue]
        self.position, self.steps_drawn = int(state["position"]), int(state["steps_drawn"])

    def _batch_len(self, task: int) -> int:
        return min(self.ctx.batch_size, self.ctx.sizes[task])


class SequentialSampler(TaskSampler):
    """Each epoch: every batch of task 0, then of task 1, and so on."""

    name = "sequential"

    def epoch(self, scorer: Scorer | None = None) -> Iterator[Batch]:
        schedule = [
            (task, min(self.ctx.batch_size, size - b * self.ctx.batch_size))
            for task, (size, n_batches) in enumerate(
                zip(self.ctx.sizes, self.ctx.batches_per_task(), strict=True))
            for b in range(n_batches)
        ]
        for position in self._positions():
            task, size = schedule[position]
            yield [(task, i) for i in self.streams[task].take(size)]


class ProportionalSampler(TaskSampler):
    """Tasks drawn in proportion to their training-set size (MT-DNN)."""

    name = "proportional"

    def task_probabilities(self) -> np.ndarray:
        sizes = np.asarray(self.ctx.sizes, dtype=float)
        return sizes / sizes.sum()


class UniformSampler(TaskSampler):
    """Every task equally often, whatever its size."""

    name = "uniform"

    def task_probabilities(self) -> np.ndarray:
        return np.full(len(self.ctx.sizes), 1.0 / len(self.ctx.sizes))


class TemperatureSampler(TaskSampler):
    """Sizes raised to 1/temperature: between proportional (1) and uniform (infinity)."""

    name = "temperature"

    def task_probabilities(self) -> np.ndarray:
        weights = np.asarray(self.ctx.sizes, dtype=float) ** (1.0 / self.ctx.temperature)
        return weights / weights.sum()


class MtUncertaintySampler(TaskSampler):
    """MT-Uncertainty (CA-MTL): b candidates from every task, keep the b most uncertain.

    One epoch is the sum of the tasks' batches (``uncertainty_epoch: sum``), or the reference
    code's (largest task's number of batches) x T steps (``largest-x-tasks``).
    ``last_candidates`` keeps the step's candidates for data-usage accounting. The first
    ``warmup_steps`` batches are drawn at random from the candidates without scoring them
    (``TrainConfig.uncertainty_warmup``); the candidates are drawn the same way either way.
    """

    name = "mt-uncertainty"
    mixes_tasks = True

    def steps_per_epoch(self) -> int:
        if self.ctx.uncertainty_epoch == "largest-x-tasks":
            return max(self.ctx.batches_per_task()) * len(self.ctx.sizes)
        return sum(self.ctx.batches_per_task())

    def epoch(self, scorer: Scorer | None = None) -> Iterator[Batch]:
        if scorer is None:
            raise ValueError("mt-uncertainty needs a scorer (the model's logits on candidates)")
        for _ in self._positions():
            candidates: Batch = []
            for task in range(len(self.streams)):
                candidates.extend((task, i) for i in self.streams[task].take(self._batch_len(task)))
            self.last_candidates = candidates
            if self.steps_drawn <= self.ctx.warmup_steps:  # counted before the batch
                keep = self.rng.permutation(len(candidates))[: self.ctx.batch_size]
            else:
                scores = np.asarray(scorer(candidates))
                keep = np.argsort(-scores, kind="stable")[: self.ctx.batch_size]
            yield [candidates[i] for i in sorted(keep)]


SAMPLERS: dict[str, type[TaskSampler]] = {
    cls.name: cls
    for cls in (
        SequentialSampler,
        ProportionalSampler,
        UniformSampler,
        TemperatureSampler,
        MtUncertaintySampler,
    )
}


def make_sampler(name: str, ctx: SamplerContext) -> TaskSampler:
    """Build a sampler by its registered name."""
    if name not in SAMPLERS:
        raise UnknownNameError("sampler", name, SAMPLERS)
    return SAMPLERS[name](ctx)
