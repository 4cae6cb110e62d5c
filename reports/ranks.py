"""Shared ranks: an order of configurations that claims no more than their intervals show.

Rule (docs/reports.md, "Leaderboard"): take the entry with the best estimate among those
not yet ranked; it shares the next rank with every unranked entry linked to it by a chain
of overlapping 95% intervals (A overlaps B, B overlaps C: all three share it); repeat.
Ranks count entries (competition ranking): three entries sharing rank 1 are followed by
rank 4. An entry is therefore never ranked below another unless its interval lies wholly
below that entry's: a group's intervals cover one unbroken range, and the next group's
best estimate is below it, so every later interval lies below the whole range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from benchmark.errors import BenchmarkError
from benchmark.stats import Interval


@dataclass(frozen=True)
class Rank:
    """A position (1 = best) and whether other entries share it."""

    position: int
    shared: bool

    def text(self) -> str:
        """``1=`` for a shared rank, ``1`` for one held alone."""
        return f"{self.position}=" if self.shared else str(self.position)


def overlaps(a: Interval, b: Interval) -> bool:
    """The closed intervals share at least one point (touching ends count)."""
    return a.low <= b.high and b.low <= a.high


def shared_ranks(intervals: Mapping[str, Interval]) -> dict[str, Rank]:
    """name -> Rank under the module's rule; higher scores are better."""
    bad = [n for n, i in intervals.items()
           if not all(math.isfinite(v) for v in (i.estimate, i.low, i.high))]
    if bad:
        raise BenchmarkError(f"no finite interval for {', '.join(map(repr, bad))}; rank only "
                             f"entries with an interval and list the others unranked")
    left = sorted(intervals, key=lambda n: (-intervals[n].estimate, n))
    ranks: dict[str, Rank] = {}
    while left:
        tied = _overlap_group(left[0], left, intervals)
        position = len(ranks) + 1
        ranks.update({name: Rank(position, len(tied) > 1) for name in tied})
        left = [n for n in left if n not in tied]
    return ranks


def _overlap_group(first: str, left: list[str], intervals: Mapping[str, Interval]
                   ) -> list[str]:
    """``first`` and every entry of ``left`` linked to it by a chain of overlaps."""
    group, frontier = [first], [first]
    while frontier:
        current = intervals[frontier.pop()]
        linked = [n for n in left if n not in group and overlaps(intervals[n], current)]
        group += linked
        frontier += linked
    return [n for n in left if n in group]
