"""The paper's claims (``shared/design/camtl.md``) checked against the measured tables.

Only the abstract's claims are listed, quoted with their citation; no number from the
paper's tables is shown. Each claim is measured in every comparison table that has the
methods it needs, so the checklist gives one line per (claim, scale), and a claim
nothing measures says "not measured" and why.

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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from benchmark.results.frame import ResultSet
from benchmark.stats import ClaimVerdict, Interval, Verdict, format_difference, judge_difference
from benchmark.stats.verdicts import judge_within
from reports.cells import Cell
from reports.evidence import Evidence, gather_evidence
from reports.forgetting import forgetting_verdicts
from reports.suite_coverage import coverage, covers
from reports.table_model import Table

NOT_MEASURED = "not measured"
NO_INTERVAL = "no interval"

CITATION = (
    "Pilault, El hattami & Pal, Conditionally Adaptive Multi-Task Learning, ICLR 2021, "
    "arXiv:2009.09139, abstract"
)
CITATION_EARLIER = (
    "Pilault, El hattami & Pal, arXiv:2009.09139, earlier version of the abstract"
)
_UNSTATED = "not stated in the abstract"
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


def _comparisons(ctx: ClaimContext, min_tasks: int = 1, suite: str | None = None
                 ) -> list[Table]:
    return [
        t for t in ctx.tables
        if t.kind == "comparison" and covers(t, min_tasks)
        and (suite is None or (t.scale.suite or "").lower() == suite)
    ]


def _average(table: Table, method: str) -> Cell | None:
    """The method's average cell on the table's full task set (row keyed by the method)."""
    if method not in table.rows:
        return None
    cell = table.cell(method, "average")
    return cell if cell.n else None


def _join(*notes: str) -> str:
    return "; ".join(dict.fromkeys(n for n in notes if n))


def _seeds_note(*cells: Cell) -> str:
    partial = [c.seed_marker for c in cells if c.seed_marker]
    notes = [f"partial seeds ({', '.join(partial)})" if partial else ""]
    if any(c.n == 1 for c in cells):
        notes.append(ONE_SEED_NOTE)
    return _join(*notes)


def _published_inside(interval: Interval, published: tuple[float, float] | None
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
    makes it uninformative."""
    kinds = [v.verdict for v in verdicts]
    reasons = _join(*(v.reason for v in verdicts))
    if Verdict.DID_NOT_LEARN in kinds:
        return Verdict.DID_NOT_LEARN.value, _join(
            *(v.reason for v in verdicts if v.verdict is Verdict.DID_NOT_LEARN))
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
    return _join(*why) or "no interval could be formed for these rows"


def _compare(table: Table, evidence: Evidence | None, method: str, others: Sequence[str], *,
             threshold: float = 0.0, published: tuple[float, float] | None = None,
             extra_note: str = "", scale: tuple[str, str] | None = None) -> Measurement:
    """``method`` − each of ``others`` on the table's average, judged on its interval."""
    cells = [_average(table, m) for m in (method, *others)]
    scale_long, scale_short = scale or (table.scale.describe(), table.scale.short())
    seeds = _seeds_note(*(c for c in cells if c is not None))
    have = evidence is not None and all(m in evidence.rows for m in (method, *others))
    if not have:
        gaps = "; ".join(f"{method} − {o}: {cells[0].mean - c.mean:+.1f} points (seed means)"
                         for o, c in zip(others, cells[1:], strict=True))
        return Measurement(
            f"{Verdict.INCONCLUSIVE.value} ({NO_INTERVAL})", gaps, scale_long,
            cells[0].mean - max(c.mean for c in cells[1:]),
            _join(_no_interval(table, evidence, (method, *others)), seeds, extra_note),
            scale_short)
    verdicts, parts, notes, inside_all = [], [], [], []
    flags = _at_baseline(evidence, (method, *others))
    for other in others:
        diff = evidence.difference(method, other)
        verdict = judge_difference(diff, threshold=threshold, at_baseline=flags)
        verdicts.append(verdict)
        ours, theirs = evidence.rows[method].score, evidence.rows[other].score
        parts.append(f"{method} − {other}: {format_difference(diff)} points "
                     f"({ours.estimate:.1f} vs {theirs.estimate:.1f})")
        inside, note = _published_inside(diff, published)
        inside_all.append(inside)
        notes.append(note)
    kind, reason = combine(verdicts)
    first = evidence.difference(method, others[0])
    inside = None if None in inside_all else all(inside_all)
    return Measurement(kind, "; ".join(parts), scale_long, first.estimate if first else None,
                       _join(reason, *notes, seeds, extra_note), scale_short,
                       first, inside)


def _beats(
    baselines: tuple[str, ...], min_tasks: int = 1, suite: str | None = None,
    method: str = "camtl", paper_backbone: str = "",
    published: tuple[float, float] | None = None,
) -> Callable[[ClaimContext], list[Measurement]]:
    """``method`` beats every baseline: the interval of each difference lies above 0."""
    def measure(ctx: ClaimContext) -> list[Measurement]:
        found = []
        for table in _comparisons(ctx, min_tasks, suite):
            if _average(table, method) is None or any(_average(table, b) is None
                                                        for b in baselines):
                continue
            scale_note = ""
            if paper_backbone and paper_backbone not in table.scale.backbone.lower():
                scale_note = f"paper measured with BERT-{paper_backbone}; this scale differs"
            found.append(_compare(table, ctx.evidence.get(table.slug), method, baselines,
                                  published=published,
                                  extra_note=_join(scale_note, coverage(table))))
        return found
    return measure


def _definitions(ctx: ClaimContext, cell: Cell) -> str:
    if ctx.result is None:
        return "see docs/results.md"
    found = {ctx.result.records[r]["data_usage"]["definition"]
             for r in cell.run_ids if r in ctx.result.records}
    return "; ".join(sorted(found)) or "see docs/results.md"


def _data_share(target: float, tolerance: float, method: str = "camtl"
                ) -> Callable[[ClaimContext], list[Measurement]]:
    """The share of data used for updates: definition-dependent, except in the
    reference-faithful mode (``--fidelity reference``), where the per-seed shares are judged
    on their t-interval against the claimed band (``judge_within``)."""
    def measure(ctx: ClaimContext) -> list[Measurement]:
        found = []
        for table in _comparisons(ctx):
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
                                     _join(note, _seeds_note(cell)), table.scale.short()))
        return found
    return measure


OTHER_SCALE = "inconclusive (other scale)"


def _exact(column: str, target: float, tolerance: float, unit: str, method: str = "camtl",
           paper_backbone: str = "base") -> Callable[[ClaimContext], list[Measurement]]:
    """A deterministic figure within ``tolerance`` of the published one (exact verdict).

    A share of the backbone's parameters depends on the backbone's size: measured on
    another backbone than the paper's it neither supports nor contradicts the figure.
    """
    def measure(ctx: ClaimContext) -> list[Measurement]:
        found = []
        for table in _comparisons(ctx):
            if method not in table.rows or not table.cell(method, column).n:
                continue
            cell = table.cell(method, column)
            holds = abs(cell.mean - target) <= tolerance
            verdict = (Verdict.SUPPORTED if holds else Verdict.CONTRADICTED).value
            note = "exact (parameter counts have no noise)"
            if paper_backbone not in table.scale.backbone.lower():
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


def _fewer_trained_than_stl(ctx: ClaimContext) -> list[Measurement]:
    found = []
    for table in _comparisons(ctx):
        if "camtl" not in table.rows or "stl" not in table.rows:
            continue
        ours = table.cell("camtl", "params_trained_pct")
        stl = table.cell("stl", "params_trained_pct")
        if not (ours.n and stl.n):
            continue
        found.append(Measurement(
            (Verdict.SUPPORTED if ours.mean < stl.mean else Verdict.CONTRADICTED).value,
            f"trained/task: camtl {ours.value_text()}% vs stl {stl.value_text()}% of the backbone",
            table.scale.describe(), ours.mean, "exact (parameter counts have no noise)",
            table.scale.short(),
        ))
    return found


def _competitive_large(ctx: ClaimContext) -> list[Measurement]:
    """camtl-large within 1 point of the best other method: Δ's interval above −1."""
    found = []
    for table in _comparisons(ctx, min_tasks=26):
        others = {r: _average(table, r) for r in table.rows if r != "camtl-large"}
        others = {r: c for r, c in others.items() if c is not None}
        if _average(table, "camtl-large") is None or not others:
            continue
        best = max(others, key=lambda r: others[r].mean)
        found.append(_compare(table, ctx.evidence.get(table.slug), "camtl-large", (best,),
                              threshold=-1.0,
                              extra_note=_join(f"competitive = Δ above −1 point; {best} is the "
                                               "best other method by seed mean",
                                               coverage(table))))
    return found


def _forgetting(ctx: ClaimContext) -> list[Measurement]:
    """Δ = forgetting of full fine-tuning − CA-MTL's, judged on its interval
    (``reports.forgetting``: STS-B zero-shot drop, else masked-LM loss increase)."""
    if ctx.result is None:
        return []
    found = []
    for item in forgetting_verdicts(ctx.result):
        verdict = item.verdict
        inside = verdict.published_inside
        found.append(Measurement(
            verdict.verdict.value, item.measured, item.scale,
            None if verdict.interval is None else verdict.interval.estimate,
            _join(verdict.reason, item.note), item.scale_short, verdict.interval, inside))
    return found


def _base_vs_large_stl(ctx: ClaimContext) -> list[Measurement]:
    """CA-MTL on a base backbone against single-task BERT-large, on the same GLUE tasks:
    the two tables' runs are paired on the evaluation examples they share."""
    found = []
    glue = _comparisons(ctx, suite="glue")
    for ours_table in glue:
        if "base" not in ours_table.scale.backbone.lower() or _average(ours_table, "camtl") is None:
            continue
        for stl_table in glue:
            if "large" not in stl_table.scale.backbone.lower():
                continue
            same_tasks = stl_table.scale.tasks == ours_table.scale.tasks
            if not same_tasks or _average(stl_table, "stl") is None:
                continue
            ours, stl = _average(ours_table, "camtl"), _average(stl_table, "stl")
            evidence = None
            if ctx.result is not None:
                evidence = gather_evidence({"camtl": ours.run_ids, "stl": stl.run_ids},
                                           ours_table.scale.tasks, ctx.result)
            scales = (f"{ours_table.scale.describe()} | stl: {stl_table.scale.describe()}",
                      f"{ours_table.scale.short()} | stl: {stl_table.scale.short()}")
            found.append(_compare(ours_table, evidence, "camtl", ("stl",), published=(2.2, 2.2),
                                  scale=scales, extra_note=f"stl from {stl_table.title}"))
    return found


CLAIMS: tuple[Claim, ...] = (
    Claim("beats-stl", "Beats single-task fine-tuning.",
          "\u201cbeats single-task fine-tuning\u201d", _UNSTATED, CITATION, _beats(("stl",))),
    Claim("parameter-efficient", "Parameter efficient: fewer trained parameters per task than "
          "single-task fine-tuning.", "\u201cparameter ... efficient\u201d", _UNSTATED, CITATION,
          _fewer_trained_than_stl),
    Claim("data-66", "Uses around 66% of the data for weight updates.",
          "\u201caround 66% of the data for weight updates\u201d (earlier version: 64.6%)",
          _UNSTATED, CITATION, _data_share(66.0, 5.0)),
    Claim("adapters-2.8", "On GLUE with BERT-large, the 8-task model beats other adapter "
          "methods (average score).", "+2.8% average score over adapter methods",
          "BERT-large, GLUE, 8 tasks", CITATION,
          _beats(("houlsby",), suite="glue", paper_backbone="large", published=(2.8, 2.8))),
    Claim("24-task", "The 24-task model beats multi-task and single-task fine-tuning.",
          "+0.7 to +1.0% over MTL and single-task fine-tuning", "24 tasks", CITATION,
          _beats(("mtl", "stl"), min_tasks=24, published=(0.7, 1.0))),
    Claim("large-26", "A larger variant is competitive over 26 NLP tasks.",
          "competitive over 26 tasks", "26 tasks", CITATION, _competitive_large),
    Claim("forgetting", "Forgetting is mitigated by keeping half of the pretrained weights "
          "fixed.", "forgetting mitigated", _UNSTATED, CITATION, _forgetting),
    Claim("base-vs-large-stl", "The base model beats fully fine-tuned BERT-large on GLUE.",
          "+2.2% over fully fine-tuned BERT-large", "CA-MTL base vs BERT-large, GLUE",
          CITATION_EARLIER, _base_vs_large_stl),
    Claim("params-5.6", "Trains about 5.6% parameters per task.",
          "+5.6% trained parameters per task", "base model", CITATION_EARLIER,
          _exact("params_trained_pct", 5.6, 1.0, "%")),
)

_NOT_MEASURED = {
    "beats-stl": "needs camtl and stl rows, each with an average, in one comparison table",
    "parameter-efficient": "needs camtl and stl rows in one comparison table",
    "data-66": "needs a camtl row in a comparison table",
    "adapters-2.8": "needs camtl and houlsby rows, each with an average, in one GLUE table",
    "params-5.6": "needs a camtl row in a comparison table",
    "24-task": "needs camtl, mtl and stl runs on one task set of 24 or more tasks",
    "large-26": "needs camtl-large and another method on one task set of 26 or more tasks",
    "forgetting": "needs camtl and mtl (or stl) runs whose records carry a forgetting "
                  "measurement at one scale",
    "base-vs-large-stl": "needs camtl on a '*base*' backbone and stl on a '*large*' backbone, "
                         "same GLUE tasks",
}


def check_claims(tables: Sequence[Table], evidence: Mapping[str, Evidence] | None = None,
                 result: ResultSet | None = None) -> list[ClaimResult]:
    """Measure every claim in every table that can; unmeasured claims say why.

    ``evidence``: each table's intervals by slug (``reports.evidence.table_evidence``);
    without it, comparisons are shown as seed-mean gaps with no verdict.
    """
    ctx = ClaimContext(list(tables), dict(evidence or {}), result)
    results = []
    for claim in CLAIMS:
        found = claim.measure(ctx)
        if not found:
            why = _NOT_MEASURED.get(claim.key, "no comparison table has the methods it needs")
            found = [Measurement(NOT_MEASURED, "—", note=why)]
        results.append(ClaimResult(claim, found))
    return results
