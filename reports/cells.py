"""One table cell = the values of one number across seeds, and how to print it honestly.

A cell keeps its per-seed values, so mean, sample std and the count of seeds are
always derived from the same numbers, and a cell with fewer seeds than the table
expects says so in every output format.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Literal

from benchmark.stats import Interval, format_score
from reports.labels import MISSING, fmt_count

Kind = Literal["score", "percent", "count", "multiple", "number"]

STARVED_MARK = "†starved"
STARVED_LEGEND = (
    f"{STARVED_MARK}: in at least one seed the sampler gave this task under a tenth of its "
    "proportional share of updates, or none (training.starved_tasks): its score says little "
    "about the method"
)


AT_BASELINE_MARK = "at baseline"
AT_BASELINE_LEGEND = (
    f"{AT_BASELINE_MARK}: the 95% interval of the paired gain over the trivial predictor "
    "(majority class; training mean for regression), scored on the same resampled examples, "
    "is not above 0: the method did not learn this task at this budget"
)


@dataclass(frozen=True)
class Column:
    """A table column: machine key, header text, and how its numbers print."""

    key: str
    label: str
    kind: Kind = "score"
    title: str = ""


@dataclass(frozen=True)
class Cell:
    """Per-seed values of one number; ``expected`` is the most seeds any cell of the table has.

    Scores always print their spread (``± 0.0`` is news); parameter counts and
    percentages print it only when it is not zero, since most are fixed per config.
    """

    values: tuple[float, ...] = ()
    seeds: tuple[int, ...] = ()
    kind: Kind = "score"
    expected: int = 0
    note: str = ""
    run_ids: tuple[str, ...] = field(default=(), compare=False)
    starved: tuple[int, ...] = ()
    """Seeds whose run starved this cell's task (``training.starved_tasks``)."""
    interval: Interval | None = field(default=None, compare=False)
    """The 95% bootstrap interval of the seed mean (``reports.evidence``); None without one."""
    at_baseline: bool = False
    """The paired gain over the trivial predictor is not above 0 (``reports.evidence``)."""

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1) across seeds; NaN below two seeds."""
        return statistics.stdev(self.values) if self.n >= 2 else math.nan

    @property
    def complete(self) -> bool:
        return self.n > 0 and self.n >= self.expected

    @property
    def seed_marker(self) -> str:
        """``n=2/3`` when some seeds are missing, else empty."""
        return f"n={self.n}/{self.expected}" if 0 < self.n < self.expected else ""

    @property
    def marker(self) -> str:
        """What every format prints beside the number: the seed marker, ``†starved``."""
        return ", ".join(m for m in (self.seed_marker, STARVED_MARK if self.starved else "",
                                     AT_BASELINE_MARK if self.at_baseline else "") if m)

    def value_text(self) -> str:
        """The number (mean ± std) without the seed marker."""
        if self.n == 0:
            return MISSING
        mean, std = self.mean, self.std
        no_spread = math.isnan(std) or (std == 0 and self.kind != "score")
        if self.kind == "count":
            return fmt_count(mean) if no_spread else f"{fmt_count(mean)} ± {fmt_count(std)}"
        if self.kind == "multiple":
            return f"{mean:.2f}×" if no_spread else f"{mean:.2f}× ± {std:.2f}"
        return f"{mean:.1f}" if no_spread else f"{mean:.1f} ± {std:.1f}"

    def interval_text(self) -> str:
        """``[69.0, 73.5]``, or empty without an interval."""
        if self.interval is None:
            return ""
        return format_score(self.interval).split(" ", 1)[1]

    def text(self) -> str:
        """Plain-text form used by Markdown, CSV and LaTeX: ``84.3 ± 0.4 [83.1, 85.2] (n=2/3)``."""
        marker = self.marker
        value = " ".join(p for p in (self.value_text(), self.interval_text()) if p)
        return f"{value} ({marker})" if marker else value

    def explanation(self) -> str:
        """Everything a tooltip says about the cell: the footnote, then its interval."""
        parts = [self.footnote()]
        if self.interval is not None:
            parts.append(f"95% interval {self.interval_text()} (seeds and evaluation examples "
                         f"resampled)")
        if self.at_baseline:
            parts.append("at baseline: the paired gain over the trivial predictor is not above 0")
        return "; ".join(p for p in parts if p)

    def footnote(self) -> str:
        """Why a cell is missing or partial (intervals and baseline marks have a legend)."""
        parts = []
        if self.seed_marker:
            parts.append(f"only {self.n} of {self.expected} seeds (seeds {_seeds(self.seeds)})")
        if self.starved:
            parts.append(f"task starved of updates in seeds {_seeds(self.starved)}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def _seeds(seeds: tuple[int, ...]) -> str:
    return ", ".join(str(s) for s in sorted(seeds)) or "none"
