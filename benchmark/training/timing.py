"""Wall-clock seconds per phase of a run, so a slow budget says where its time went.

A run records ``training.timing``: seconds spent loading, tokenizing, training, scoring
MT-Uncertainty candidates, evaluating, ... (docs/results.md). Phases are measured with
``time.perf_counter`` around the code that does the work; they do not change any result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

PHASES = (
    "load_s", "tokenize_s", "train_s", "score_s", "eval_s", "selection_s", "diagnostics_s",
    "forgetting_s", "predict_test_s", "state_s",
)
"""The phases a record may name, in the order a run goes through them."""


class PhaseTimes:
    """Seconds accumulated per phase name (``train_s``, ``eval_s``, ...)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, phase: str, seconds: float) -> None:
        """Count ``seconds`` more against ``phase``."""
        self.seconds[phase] = self.seconds.get(phase, 0.0) + seconds

    @contextmanager
    def phase(self, phase: str) -> Iterator[None]:
        """Time the ``with`` block against ``phase`` (also when it raises)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - started)

    def merge(self, other: Mapping[str, float]) -> None:
        """Add another run part's phases (one per-task model of stl, say) to these."""
        for phase, seconds in other.items():
            self.add(phase, seconds)

    def as_record(self) -> dict[str, float]:
        """The record's ``timing``: known phases first, in run order, rounded to ms."""
        order = {name: i for i, name in enumerate(PHASES)}
        names = sorted(self.seconds, key=lambda n: (order.get(n, len(order)), n))
        return {name: round(self.seconds[name], 3) for name in names}
