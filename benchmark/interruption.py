"""A Ctrl-C at a point the caller names, so that resuming is tested without racing the clock.

A test that sends SIGINT "while a later run trains" depends on the machine's speed (a fast
one finished the suite before the signal landed). These environment variables name the
point instead; unset, nothing happens:

- ``CAMTL_BENCH_INTERRUPT_AFTER_RECORDS=N``: right after this process wrote its N-th record;
- ``CAMTL_BENCH_INTERRUPT_AFTER_STEPS=K``: right after its K-th optimizer step, counted over
  all the runs of the process (K beyond the first run's steps lands inside a later run).

There the process raises ``KeyboardInterrupt``, as Ctrl-C does. With
``CAMTL_BENCH_INTERRUPT_WAIT=1`` it instead prints ``WAITING`` and the point to stderr and
waits for a real SIGINT, so a test can press Ctrl-C knowing where the process is.
"""

from __future__ import annotations

import os
import sys
import time

from benchmark.errors import BenchmarkError

AFTER = {
    "records": "CAMTL_BENCH_INTERRUPT_AFTER_RECORDS",
    "steps": "CAMTL_BENCH_INTERRUPT_AFTER_STEPS",
}
WAIT = "CAMTL_BENCH_INTERRUPT_WAIT"
WAITING = "camtl-bench: waiting for SIGINT"
WAIT_LIMIT_S = 300.0

_passed = dict.fromkeys(AFTER, 0)


def check_environment() -> None:
    """Refuse a malformed setting before any training, not at the point it names."""
    for point in AFTER:
        _threshold(point)
    if os.environ.get(WAIT, "0") not in ("0", "1"):
        raise BenchmarkError(f"{WAIT} must be 0 or 1 (got {os.environ[WAIT]!r}); unset it")


def after_record() -> None:
    """Count a record written; interrupt if it is the one the environment names."""
    _count("records")


def after_step() -> None:
    """Count an optimizer step taken; interrupt if it is the one the environment names."""
    _count("steps")


def _threshold(point: str) -> int | None:
    name = AFTER[point]
    value = os.environ.get(name)
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise BenchmarkError(
            f"{name} must be a positive whole number of {point} (got {value!r}); unset it to "
            "run without a planned interruption"
        )
    return int(value)


def _count(point: str) -> None:
    _passed[point] += 1
    if _passed[point] != _threshold(point):
        return
    where = f"after {_passed[point]} {point}"
    if os.environ.get(WAIT) == "1":
        _wait_for_sigint(where)
    raise KeyboardInterrupt(f"{AFTER[point]}: {where}")


def _wait_for_sigint(where: str) -> None:
    """Sleep until SIGINT raises KeyboardInterrupt here; fail loudly if none comes."""
    print(f"{WAITING} {where}", file=sys.stderr, flush=True)
    deadline = time.monotonic() + WAIT_LIMIT_S
    while time.monotonic() < deadline:
        time.sleep(0.05)
    raise BenchmarkError(
        f"{WAIT}=1: no SIGINT arrived within {WAIT_LIMIT_S:.0f}s {where}; send one "
        "(kill -INT <pid>) or unset the variable"
    )
