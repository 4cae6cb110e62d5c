"""Rules that turn measured tables into claim verdicts, for any claim (``reports.claims``
lists the paper's).

Verdict rules (docs/reports.md, "Intervals and verdicts"):
- a comparison ("beats X") is judged on the 95% paired bootstrap interval of the
  difference (``reports.evidence``): supported when the whole interval is on the claimed
  side, contradicted when it is wholly on the other, inconclusive otherwise, and
  "inconclusive (did not learn at this budget)" when a compared method is at its trivial
  baseline on most tasks. A published magnitude is checked against the interval, never
  used for the verdict. No interval (no prediction files) means no verdict.
- deterministic figures (parameter counts) are exact: supported or contradicted.
- "around 66% of the data" depends on a definition the paper does not give: shown with
  the definition it was measured by, no verdict, except in the reference-faithful mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from benchmark.results.frame import ResultSet
from benchmark.stats import ClaimVerdict, Interval, Verdict, format_difference, judge_difference
from benchmark.stats.verdicts import judge_within
from reports.cells import Cell
from reports.evidence import Evidence
from reports.suite_coverage import coverage, covers
from reports.table_model import Table

NOT_MEASURED = "not measured"
NO_INTERVAL = "no interval"

ONE_SEED_NOTE = ("one seed: the interval covers evaluation-example noise only, not seed "
                 "variation")


@dataclass(frozen=True)
class Measurement:
    """One measured figure for a claim at one scale, and its verdict."""

    verdict: str
    measured: str
    scale: str = ""
    value: float | None = None
    note: str = ""
    scale_short: str = ""
    interval: Interval | None = None
    published_inside: bool | None = None
    """Whether the published magnitude lies inside the interval; None where none applies."""

    @property
    def css(self) -> str:
        """The verdict's style class: one per verdict kind, not per wording."""
        return self.verdict.split(" (")[0].replace(" ", "-")


@dataclass(frozen=True)
class ClaimContext:
    """What claims are measured from: the tables, each table's evidence (by slug) and the
    result set they were built from (for evidence across tables and forgetting)."""

    tables: Sequence[Table]
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    result: ResultSet | None = None


@dataclass(frozen=True)
class Claim:
    """A published claim, the scale the paper states, and how to measure it."""

    key: str
    text: str
    published: str
    paper_scale: str
    citation: str
    measure: Callable[[ClaimContext], list[Measurement]]


@dataclass
class ClaimResult:
    claim: Claim
    measurements: list[Measurement] = field(default_factory=list)


def comparisons(ctx: ClaimContext, min_tasks: int = 1, suite: str | None = None
                 ) -> list[Table]:
    """The comparison tables that cover at least ``min_tasks`` tasks (of ``suite``)."""
    return [
        t for t in ctx.tables
        if t.kind == "comparison" and covers(t, min_tasks)
        and (suite is None or (t.scale.suite or "").lower() == suite)
    ]


def average_cell(table: Table, method: str) -> Cell | None:
    """The method's average cell on the table's full task set (row keyed by the method)."""
    if method not in table.rows:
        return None
    cell = table.cell(method, "average")
    return cell if cell.n else None


def names_size(backbone: str, size: str) -> bool:
    """Whether the backbone's name or path has ``size`` ("base", "large") as a whole word:
    ``bert-base-uncased`` is base; ``/data/database/bert-large`` is large, not base."""
    return size.lower() in re.split(r"[^a-z0-9]+", backbone.lower())


def join_notes(*notes: str) -> str:
    """Non-empty notes, each once, in order."""
    return "; ".join(dict.fromkeys(n for n in notes if n))


def seeds_note(*cells: Cell) -> str:
    """What the cells' seeds limit: partial seed sets, or one seed (example noise only)."""
    partial = [c.seed_marker for c in cells if c.seed_marker]
    notes = [f"partial seeds ({', '.join(partial)})" if partial else ""]
    if any(c.n == 1 for c in cells):
        notes.append(ONE_SEED_NOTE)
    return join_notes(*notes)


def published_inside(interval: Interval, published: tuple[float, float] | None
                      ) -> tuple[bool | None, str]:
    """Whether a published range [lo, hi] meets the interval, and the note that says so."""
    if published is None:
        return None, ""
    lo, hi = published
    inside = interval.low <= hi and lo <= interval.high
    shown = f"{lo:+g}" if lo == hi else f"{lo:+g} to {hi:+g}"
    where = "inside" if inside else "outside"
    return inside, f"published {shown} points: {where} the interval"


def combine(verdicts: Sequence[ClaimVerdict]) -> tuple[str, str]:
    """One verdict for a claim on several comparisons ("beats MTL and STL"): it holds only
    if every one does; any contradiction contradicts it; any method that did not learn
    makes it uninformative, and so does one whose learning cannot be assessed."""
    kinds = [v.verdict for v in verdicts]
    reasons = join_notes(*(v.reason for v in verdicts))
    for unlearned in (Verdict.DID_NOT_LEARN, Verdict.LEARNING_UNKNOWN):
        if unlearned in kinds:
            return unlearned.value, join_notes(
                *(v.reason for v in verdicts if v.verdict is unlearned))
    if all(k is Verdict.SUPPORTED for k in kinds):
        return Verdict.SUPPORTED.value, reasons
    if Verdict.CONTRADICTED in kinds:
        return Verdict.CONTRADICTED.value, reasons
    return Verdict.INCONCLUSIVE.value, reasons


def _at_baseline(evidence: Evidence, methods: Sequence[str]) -> dict[str, Mapping[str, bool]]:
    return {m: evidence.rows[m].at_baseline for m in methods}


def _no_interval(table: Table, evidence: Evidence | None, methods: Sequence[str]) -> str:
    if evidence is None:
        return "no per-example predictions were read for this table"
    why = [f"{m}: {evidence.missing[m]}" for m in methods if m in evidence.missing]
    return join_notes(*why) or "no interval could be formed for these rows"


def compare(table: Table, evidence: Evidence | None, method: str, others: Sequence[str], *,
             threshold: float = 0.0, published: tuple[float, float] | None = None,
             extra_note: str = "", scale: tuple[str, str] | None = None,
             cells: Sequence[Cell] | None = None) -> Measurement:
    """``method`` − each of ``others`` on the table's average, judged on its interval.

    ``cells``: the average cells of ``method`` and ``others``, in that order, where they
    come from more than one table (CA-MTL base against BERT-large's stl); by default
    ``table``'s own.
    """
    if cells is None:
        cells = [average_cell(table, m) for m in (method, *others)]
    if any(c is None for c in cells):
        raise ValueError(f"compare needs an average cell for each of {method}, "
                         f"{', '.join(others)}; leave out tables that lack one")
    scale_long, scale_short = scale or (table.scale.describe(), table.scale.short())
    seeds = seeds_note(*cells)
    have = evidence is not None and all(m in evidence.rows for m in (method, *others))
    if not have:
        gaps = "; ".join(f"{method} − {o}: {cells[0].mean - c.mean:+.1f} points (seed means)"
                         for o, c in zip(others, cells[1:], strict=True))
        return Measurement(
            f"{Verdict.INCONCLUSIVE.value} ({NO_INTERVAL})", gaps, scale_long,
            cells[0].mean - max(c.mean for c in cells[1:]),
            join_notes(_no_interval(table, evidence, (method, *others)), seeds, extra_note),
            scale_short)
    verdicts, parts, notes, inside_all = [], [], [], []
    flags = _at_baseline(evidence, (method, *others))
    for other in others:
        diff = evidence.difference(method, other)
        verdict = judge_difference(diff, threshold=threshold, at_baseline=flags,
                                   tasks=evidence.tasks)
        verdicts.append(verdict)
        ours, theirs = evidence.rows[method].score, evidence.rows[other].score
        parts.append(f"{method} − {other}: {format_difference(diff)} points "
                     f"({ours.estimate:.1f} vs {theirs.estimate:.1f})")
        inside, note = published_inside(diff, published)
        inside_all.append(inside)
        notes.append(note)
    kind, reason = combine(verdicts)
    first = evidence.difference(method, others[0])
    inside = None if None in inside_all else all(inside_all)
    return Measurement(kind, "; ".join(parts), scale_long, first.estimate if first else None,
                       join_notes(reason, *notes, _coverage_note(evidence), seeds,
                                  extra_note), scale_short, first, inside)


def _coverage_note(evidence: Evidence) -> str:
    """Which of the table's tasks the intervals leave out: the Δ is over the others."""
    if not evidence.excluded:
        return ""
    covered = len(evidence.tasks) - len(evidence.excluded)
    left_out = "; ".join(f"{t}: {why}" for t, why in evidence.excluded.items())
    return (f"the interval and Δ average {covered} of the {len(evidence.tasks)} tasks "
            f"(not covered: {left_out})")


def beats(
    baselines: tuple[str, ...], min_tasks: int = 1, suite: str | None = None,
    method: str = "camtl", paper_backbone: str = "",
    published: tuple[float, float] | None = None,
) -> Callable[[ClaimContext], list[Measurement]]:
    """``method`` beats every baseline: the interval of each difference lies above 0."""
    def measure(ctx: ClaimContext) -> list[Measurement]:
        found = []
        for table in comparisons(ctx, min_tasks, suite):
            if average_cell(table, method) is None or any(average_cell(table, b) is None
                                                        for b in baselines):
                continue
            scale_note = ""
            if paper_backbone and not names_size(table.scale.backbone, paper_backbone):
                scale_note = f"paper measured with BERT-{paper_backbone}; this scale differs"
            found.append(compare(table, ctx.evidence.get(table.slug), method, baselines,
                                  published=published,
                                  extra_note=join_notes(scale_note, coverage(table))))
        return found
    return measure


def _definitions(ctx: ClaimContext, cell: Cell) -> str:
    if ctx.result is None:
        return "see docs/results.md"
    found = {ctx.result.records[r]["data_usage"]["definition"]
             for r in cell.run_ids if r in ctx.result.records}
    return "; ".join(sorted(found)) or "see docs/results.md"


def data_share(target: float, tolerance: float, method: str = "camtl"
                ) -> Callable[[ClaimContext], list[Measurement]]:
    """The share of data used for updates: definition-dependent, except in the
    reference-faithful mode (``--fidelity reference``), where the per-seed shares are judged
    on their t-interval against the claimed band (``judge_within``)."""
    def measure(ctx: ClaimContext) -> list[Measurement]:
        found = []
        for table in comparisons(ctx):
            if method not in table.rows or not table.cell(method, "data_used").n:
                continue
            cell = table.cell(method, "data_used")
            text = f"{method}: {cell.value_text()}% (claim {target:g}% ± {tolerance:g})"
            if table.scale.budget.get("fidelity") == "reference":
                judged = judge_within(cell.values, target, tolerance)
                verdict = judged.verdict.value
                note = (f"reference-faithful mode (the reference code's sampler settings), "
                        f"counted as {_definitions(ctx, cell)} (the paper does not define "
                        f"the figure); {judged.reason}")
            else:
                verdict = Verdict.DEFINITION_DEPENDENT.value
                note = (f"measured as {_definitions(ctx, cell)}; the paper does not define its "
                        f"figure, so no verdict (run --fidelity reference for one)")
            found.append(Measurement(verdict, text, table.scale.describe(), cell.mean,
                                     join_notes(note, seeds_note(cell)), table.scale.short()))
        return found
    return measure


OTHER_SCALE = "inconclusive (other scale)"


def exact_figure(column: str, target: float, tolerance: float, unit: str, method: str = "camtl",
           paper_backbone: str = "base") -> Callable[[ClaimContext], list[Measurement]]:
    """A deterministic figure within ``tolerance`` of the published one (exact verdict).

    A share of the backbone's parameters depends on the backbone's size: measured on
    another backbone than the paper's it neither supports nor contradicts the figure.
    """
    def measure(ctx: ClaimContext) -> list[Measurement]:
        found = []
        for table in comparisons(ctx):
            if method not in table.rows or not table.cell(method, column).n:
                continue
            cell = table.cell(method, column)
            holds = abs(cell.mean - target) <= tolerance
            verdict = (Verdict.SUPPORTED if holds else Verdict.CONTRADICTED).value
            note = "exact (parameter counts have no noise)"
            if not names_size(table.scale.backbone, paper_backbone):
                verdict = OTHER_SCALE
                note = (f"the figure is a share of BERT-{paper_backbone}'s parameters; this "
                        f"table's backbone is another size (`python -m benchmark params "
                        f"--random-config bert-{paper_backbone}` counts it at the paper's scale)")
            found.append(Measurement(
                verdict,
                f"{method}: {cell.value_text()}{unit} (claim {target:g}{unit} ± {tolerance:g})",
                table.scale.describe(), cell.mean, note, table.scale.short()))
        return found
    return measure
