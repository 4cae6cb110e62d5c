"""Three-way verdicts on a paper's claims, from intervals rather than point gaps.

A claim says a difference lies on one side of a threshold (``CA-MTL − STL > 0``).
The measured interval either lies entirely on that side (supported), entirely on the
other (contradicted), or straddles it (inconclusive: this budget and these seeds cannot
tell). Before any of that, both methods must have learned: if either is at its trivial
baseline on most tasks, the difference is between two kinds of noise; if too few tasks
have a trivial baseline to tell, the verdict says that learning is not assessable.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from benchmark.errors import BenchmarkError
from benchmark.stats.bootstrap import Interval

Direction = Literal["greater", "less"]


class Verdict(StrEnum):
    """The verdict labels, as the report prints them."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"
    DID_NOT_LEARN = "inconclusive (did not learn at this budget)"
    LEARNING_UNKNOWN = "inconclusive (learning not assessable)"
    DEFINITION_DEPENDENT = "definition-dependent"


@dataclass(frozen=True)
class ClaimVerdict:
    """A verdict, the evidence it rests on, and whether the published number fits it."""

    verdict: Verdict
    reason: str
    interval: Interval | None = None
    published: float | None = None
    published_inside: bool | None = None
    """Whether the published magnitude lies inside the interval; None without one."""
    measured: float | None = None
    """The measured figure where there is no interval (exact and definition-dependent)."""


def _check_direction(direction: str) -> None:
    if direction not in ("greater", "less"):
        raise BenchmarkError(f"claimed direction {direction!r} is neither 'greater' nor "
                             f"'less'; say on which side of the threshold the claim lies")


@dataclass(frozen=True)
class Learning:
    """Whether a method learned, by the verdicts' rule: at baseline on more than half of
    the tasks is "did not learn"; so many tasks at baseline or without a trivial baseline
    (no constant predictor, no interval) that they could be more than half is "unknown"."""

    at_baseline: int
    assessed: int
    """Tasks with a trivial baseline to compare with."""
    tasks: int

    @property
    def failed(self) -> bool:
        return self.at_baseline > self.tasks / 2

    @property
    def unknown(self) -> bool:
        return not self.failed and \
            self.at_baseline + (self.tasks - self.assessed) > self.tasks / 2

    def share(self) -> str:
        """``3/5``: tasks at baseline out of the tasks judged."""
        return f"{self.at_baseline}/{self.tasks}"


def learning(flags: Mapping[str, bool], tasks: Sequence[str] | None = None) -> Learning:
    """A method's ``Learning`` from its task -> at-baseline flags, over ``tasks`` (the
    compared task set; by default the flagged tasks, so nothing is unknown)."""
    judged = list(flags) if tasks is None else list(tasks)
    return Learning(sum(bool(flags.get(t)) for t in judged),
                    sum(t in flags for t in judged), len(judged))


def _learning_verdict(at_baseline: Mapping[str, Mapping[str, bool]],
                      tasks: Sequence[str] | None) -> tuple[Verdict, str] | None:
    """``DID_NOT_LEARN`` when a method is at baseline on more than half of ``tasks``, else
    ``LEARNING_UNKNOWN`` when the flags cannot settle it, with the reason; None when every
    method learned."""
    found = {method: learning(flags, tasks) for method, flags in at_baseline.items()}
    failed = [f"{m} at baseline on {f.share()} tasks" for m, f in found.items() if f.failed]
    if failed:
        return Verdict.DID_NOT_LEARN, "; ".join(failed)
    unknown = [f"{m}: a trivial baseline on {f.assessed} of {f.tasks} tasks, {f.at_baseline} "
               f"at baseline" for m, f in found.items() if f.unknown]
    if unknown:
        return Verdict.LEARNING_UNKNOWN, f"{'; '.join(unknown)}: more than half of the tasks " \
            "could be at baseline"
    return None


def judge_difference(interval: Interval, direction: Direction = "greater", *,
                     threshold: float = 0.0, published: float | None = None,
                     at_baseline: Mapping[str, Mapping[str, bool]] | None = None,
                     tasks: Sequence[str] | None = None) -> ClaimVerdict:
    """The verdict on "Δ is ``direction`` than ``threshold``" from Δ's interval.

    ``published``: the paper's value of Δ (+2.8 for "+2.8 points"), checked against the
    interval but never deciding the verdict. ``at_baseline``: method -> task -> whether
    that method is at its trivial baseline there (``trivial.baseline_flags``); ``tasks``:
    the compared tasks, so that tasks without a flag count as possibly at baseline (without
    ``tasks``, the flagged tasks are all there is). No ``at_baseline``: no learning check.
    """
    _check_direction(direction)
    inside = None if published is None else interval.contains(published)
    unlearned = _learning_verdict(at_baseline or {}, tasks)
    if unlearned is not None:
        return ClaimVerdict(*unlearned, interval, published, inside)
    above, below = interval.low > threshold, interval.high < threshold
    on_claimed, on_other = (above, below) if direction == "greater" else (below, above)
    side = ">" if direction == "greater" else "<"
    if on_claimed:
        verdict, reason = Verdict.SUPPORTED, f"the whole interval is {side} {threshold:g}"
    elif on_other:
        verdict, reason = (Verdict.CONTRADICTED,
                           f"the whole interval is on the other side of {threshold:g}")
    else:
        verdict, reason = Verdict.INCONCLUSIVE, f"the interval includes {threshold:g}"
    return ClaimVerdict(verdict, reason, interval, published, inside)


def judge_exact(value: float, direction: Direction = "greater", *, threshold: float = 0.0,
                published: float | None = None) -> ClaimVerdict:
    """A deterministic figure (a parameter count): no interval, so no inconclusive."""
    _check_direction(direction)
    holds = value > threshold if direction == "greater" else value < threshold
    side = ">" if direction == "greater" else "<"
    return ClaimVerdict(Verdict.SUPPORTED if holds else Verdict.CONTRADICTED,
                        f"{value:g} {side if holds else 'is not ' + side} {threshold:g} "
                        f"(exact)", published=published, measured=float(value))


def definition_dependent(measured: float, definition: str,
                         published: float | None = None) -> ClaimVerdict:
    """A claim whose number depends on a definition the paper does not give ("around 66%
    of the data used"): no verdict, the number with the definition it was measured by."""
    if not definition.strip():
        raise BenchmarkError("a definition-dependent figure needs the definition it was "
                             "measured by; describe it in the definition argument")
    return ClaimVerdict(Verdict.DEFINITION_DEPENDENT, f"measured as {definition}",
                        published=published, measured=float(measured))


def judge_within(values: list[float] | tuple[float, ...], target: float, tolerance: float, *,
                 level: float = 0.95) -> ClaimVerdict:
    """A seed-dependent figure claimed to lie within ``target ± tolerance`` ("around 66%"):
    judged on the t-interval of its mean over seeds. Supported when the interval lies
    inside the band, contradicted when entirely outside it, inconclusive otherwise; one
    seed gives no interval, so no verdict."""
    from scipy import stats

    seeds = [float(v) for v in values]
    if not seeds or not all(math.isfinite(v) for v in seeds):
        raise BenchmarkError("judge_within needs finite per-seed values; give one per seed")
    mean = statistics.fmean(seeds)
    band = (target - tolerance, target + tolerance)
    if len(seeds) < 2:
        return ClaimVerdict(Verdict.INCONCLUSIVE, f"one seed ({mean:.1f}): no interval over "
                            f"seeds; run more seeds", published=target, measured=mean)
    half = stats.t.ppf(0.5 + level / 2, len(seeds) - 1) * statistics.stdev(seeds) \
        / math.sqrt(len(seeds))
    low, high = mean - half, mean + half
    interval = Interval(mean, low, high, level, 0, 0)
    if band[0] <= low and high <= band[1]:
        verdict, why = Verdict.SUPPORTED, "inside"
    elif high < band[0] or low > band[1]:
        verdict, why = Verdict.CONTRADICTED, "outside"
    else:
        verdict, why = Verdict.INCONCLUSIVE, "across the edge of"
    reason = (f"mean {mean:.1f} [{low:.1f}, {high:.1f}] ({level:.0%} t-interval over "
              f"{len(seeds)} seeds) lies {why} {band[0]:g}..{band[1]:g}")
    return ClaimVerdict(verdict, reason, interval, target, low <= target <= high, mean)
