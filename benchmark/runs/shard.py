"""``--shard K/N``: a deterministic split of the run matrix among N independent jobs.

The planned runs are sorted by run id and shard K (1-based) takes every N-th of them,
starting with the K-th. So the split does not depend on the order methods, seeds or tasks
are listed in, the shards' sizes differ by at most one, and the N shards together are the
matrix, each run in exactly one. A change of the matrix (another seed) reshuffles the
shards; finished runs are skipped whatever shard they fall in, and claims keep two jobs
from training one run.

Without ``--shard``, a Slurm job array gives the shard: the task's position in the array,
``(SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP + 1``, of
``SLURM_ARRAY_TASK_COUNT``. ``--array=0-3`` and ``--array=1-4`` both give shards 1/4 to 4/4;
``--array=0-6:2`` gives 1/4 to 4/4 too. A list of indices that is not one evenly spaced
range (``--array=1,2,7``) is refused: pass ``--shard`` yourself. ``--shard 1/1`` ignores the
array (every task then runs the whole matrix, split dynamically by claims).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from benchmark.errors import BenchmarkError

SLURM_ID = "SLURM_ARRAY_TASK_ID"
SLURM_COUNT = "SLURM_ARRAY_TASK_COUNT"
SLURM_MIN = "SLURM_ARRAY_TASK_MIN"
SLURM_MAX = "SLURM_ARRAY_TASK_MAX"
SLURM_STEP = "SLURM_ARRAY_TASK_STEP"

_WAY_OUT = "pass --shard K/N with 1 <= K <= N, e.g. --shard 1/3 (or --shard 1/1 for all runs)"

Run = TypeVar("Run")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``, and where it was read from."""

    index: int
    count: int
    source: str = "--shard"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, runs: Sequence[Run], key_of: Callable[[Run], str]) -> list[Run]:
        """This shard's runs, in their planned order."""
        ordered = sorted(range(len(runs)), key=lambda i: key_of(runs[i]))
        mine = set(ordered[self.index - 1 :: self.count])
        return [run for i, run in enumerate(runs) if i in mine]


def parse_shard(text: str) -> Shard:
    """``"2/3"`` -> Shard(2, 3); anything else is a BenchmarkError naming the way out."""
    index_text, slash, count_text = text.strip().partition("/")
    try:
        if not slash:
            raise ValueError
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise BenchmarkError(f"--shard {text!r} is not K/N; {_WAY_OUT}") from None
    if count < 1:
        raise BenchmarkError(f"--shard {text!r}: N must be at least 1; {_WAY_OUT}")
    if not 1 <= index <= count:
        raise BenchmarkError(
            f"--shard {text!r}: K must be between 1 and N={count} (shards count from 1); "
            f"{_WAY_OUT}"
        )
    return Shard(index, count)


def _slurm_int(env: Mapping[str, str], name: str) -> int:
    value = env.get(name)
    if value is None:
        raise BenchmarkError(
            f"{SLURM_ID} is set but {name} is not, so this job's share of the run matrix is "
            f"unknown (Slurm before 17.02?); {_WAY_OUT}"
        )
    try:
        return int(value)
    except ValueError:
        raise BenchmarkError(f"{name}={value!r} is not a whole number; {_WAY_OUT}") from None


def shard_from_slurm(env: Mapping[str, str] | None = None) -> Shard | None:
    """The shard of this Slurm array task, or None outside a job array."""
    env = os.environ if env is None else env
    if SLURM_ID not in env:
        return None
    task, count, low = (_slurm_int(env, n) for n in (SLURM_ID, SLURM_COUNT, SLURM_MIN))
    step = _slurm_int(env, SLURM_STEP) if SLURM_STEP in env else 1
    high = _slurm_int(env, SLURM_MAX) if SLURM_MAX in env else low + (count - 1) * step
    regular = count >= 1 and step >= 1 and high == low + (count - 1) * step
    offset, off_grid = divmod(task - low, step) if step >= 1 else (0, 1)
    if not regular or off_grid or not 0 <= offset < count:
        raise BenchmarkError(
            f"this Slurm array (task {task}, indices {low}-{high} step {step}, {count} tasks) is "
            "not one evenly spaced range, so its tasks cannot be numbered 1..N; submit with "
            f"--array=0-{max(count - 1, 0)} or {_WAY_OUT}"
        )
    return Shard(offset + 1, count, f"{SLURM_ID}={task} of array {low}-{high}")


def resolve_shard(text: str | None, env: Mapping[str, str] | None = None) -> Shard | None:
    """``--shard`` if given, else the Slurm array's, else None (the whole matrix)."""
    if text is not None:
        shard = parse_shard(text)
        return None if shard.count == 1 else shard
    return shard_from_slurm(env)
