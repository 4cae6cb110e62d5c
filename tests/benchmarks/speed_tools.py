"""Timing plumbing shared by the speed benchmarks: interleaved rounds and paired ratios.

Variants are timed in turn within each round (A, B, C, A, B, C, ...) so that a change of
load on the machine hits all of them alike; ratios are medians of per-round ratios. On a
machine that other processes keep busy (1-minute load average above the cores + 0.75), two
threads wait for each other at every parallel operation and ratios drift towards 1; a
missed target is then reported as xfail with the load, unless CAMTL_BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import pytest


def rounds(default: int) -> int:
    """Rounds per case; CAMTL_BENCH_ROUNDS overrides the default."""
    return int(os.environ.get("CAMTL_BENCH_ROUNDS", default))


def interleaved(
    benchmark, variants: dict[str, Callable[[], object]], rounds: int, warmup: int
) -> dict[str, list[float]]:
    """Run every variant once per round, in turn; per-variant seconds, warm-up dropped."""
    times: dict[str, list[float]] = {name: [] for name in variants}

    def one_round() -> None:
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)

    benchmark.pedantic(one_round, rounds=rounds, iterations=1, warmup_rounds=warmup)
    return {name: values[warmup:] for name, values in times.items()}


def paired_ratio(times: dict[str, list[float]], name: str, reference: str) -> float:
    """Median over rounds of time(name) / time(reference)."""
    return statistics.median(a / b for a, b in zip(times[name], times[reference], strict=True))


def busy_load() -> float | None:
    """The 1-minute load average when other processes compete for the cores, else None."""
    load = os.getloadavg()[0]
    return load if load > (os.cpu_count() or 1) + 0.75 else None


def check_at_most(ratios: dict[str, float], targets: dict[str, float], load: float | None) -> None:
    """Assert each ratio is at most its target (xfail instead on a busy machine)."""
    missed = {k: round(v, 3) for k, v in ratios.items() if k in targets and v > targets[k]}
    if missed and load is not None and not os.environ.get("CAMTL_BENCH_STRICT"):
        pytest.xfail(f"machine busy (load average {load:.1f} on {os.cpu_count()} cores): {missed}")
    assert not missed, f"targets {targets} missed: {ratios}"


def record(
    benchmark, report: list[str], label: str, times: dict[str, list[float]], ratios: dict
) -> None:
    """Medians and ratios into the benchmark's extra_info and the terminal summary."""
    medians = {name: statistics.median(values) for name, values in times.items()}
    benchmark.extra_info.update(
        {f"median_s_{k}": v for k, v in medians.items()}
        | {f"ratio_{k}": v for k, v in ratios.items()}
    )
    load = busy_load()
    count = len(next(iter(times.values())))
    report.append(
        f"{label + (f' [load {load:.1f}]' if load else ''):26s} "
        + "  ".join(f"{k} {v:7.3f}s" for k, v in medians.items())
        + "  |  "
        + "  ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
        + f"  ({count} rounds)"
    )
