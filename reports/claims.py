"""The paper's claims (``shared/design/camtl.md``) checked against the measured tables.

Only the abstract's claims are listed, quoted with their citation; no number from
the paper's tables is shown. Each claim is measured in every comparison table that
has the methods it needs, so the checklist gives one line per (claim, scale), and a
claim nothing measures says "not measured" and why.

Verdict rules (documented in docs/reports.md):
- "beats X": supported when CA-MTL's seed-mean average is above X's; "by N points"
  is shown beside the measured gap, not used for the verdict.
- exact figures (66% of the data, 5.6% trained parameters per task): supported when
  the measurement is within the claim's stated tolerance.
- "competitive": within 1 point of the best other method's average.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from reports.cells import Cell
from reports.table_model import Table

Verdict = Literal["supported", "not supported", "not measured"]

CITATION = (
    "Pilault, El hattami & Pal, Conditionally Adaptive Multi-Task Learning, ICLR 2021, "
    "arXiv:2009.09139, abstract"
)
CITATION_EARLIER = (
    "Pilault, El hattami & Pal, arXiv:2009.09139, earlier version of the abstract"
)
_UNSTATED = "not stated in the abstract"


@dataclass(frozen=True)
class Measurement:
    """One measured number for a claim, at one scale."""

    verdict: Verdict
    measured: str
    scale: str = ""
    value: float | None = None
    note: str = ""
    scale_short: str = ""


@dataclass(frozen=True)
class Claim:
    """A published claim, the scale the paper states, and how to measure it from tables."""

    key: str
    text: str
    published: str
    paper_scale: str
    citation: str
    measure: Callable[[list[Table]], list[Measurement]]


@dataclass
class ClaimResult:
    claim: Claim
    measurements: list[Measurement] = field(default_factory=list)


def _comparisons(tables: list[Table], min_tasks: int = 1, suite: str | None = None) -> list[Table]:
    return [
        t for t in tables
        if t.kind == "comparison" and len(t.scale.tasks) >= min_tasks
        and (suite is None or (t.scale.suite or "").lower() == suite)
    ]


def _average(table: Table, method: str) -> Cell | None:
    """The method's average cell on the table's full task set (row keyed by the method)."""
    if method not in table.rows:
        return None
    cell = table.cell(method, "average")
    return cell if cell.n else None


def _seeds_note(*cells: Cell) -> str:
    partial = [c.seed_marker for c in cells if c.seed_marker]
    return f"partial seeds ({', '.join(partial)})" if partial else ""


def _gap(a: Cell, b: Cell) -> tuple[float, str]:
    """Difference of seed means, and a note when it is within two standard errors."""
    diff = a.mean - b.mean
    if a.n >= 2 and b.n >= 2:
        se = math.sqrt(a.std**2 / a.n + b.std**2 / b.n)
        if abs(diff) <= 2 * se:
            return diff, f"within seed noise (±2 s.e. = {2 * se:.1f})"
        return diff, ""
    return diff, "one seed: no error bar"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _beats(
    baselines: tuple[str, ...], min_tasks: int = 1, suite: str | None = None,
    method: str = "camtl", paper_backbone: str = "",
) -> Callable[[list[Table]], list[Measurement]]:
    """CA-MTL's average minus each baseline's; supported when every gap is positive."""
    def measure(tables: list[Table]) -> list[Measurement]:
        found = []
        for table in _comparisons(tables, min_tasks, suite):
            ours = _average(table, method)
            theirs = {b: _average(table, b) for b in baselines}
            if ours is None or any(c is None for c in theirs.values()):
                continue
            parts, notes, positive = [], [], True
            for name, cell in theirs.items():
                diff, note = _gap(ours, cell)
                positive &= diff > 0
                parts.append(f"{method} − {name}: {diff:+.1f} points "
                             f"({ours.mean:.1f} vs {cell.mean:.1f})")
                notes.append(note)
            scale_note = ""
            if paper_backbone and paper_backbone not in table.scale.backbone.lower():
                scale_note = f"paper measured with BERT-{paper_backbone}; this scale differs"
            found.append(Measurement(
                "supported" if positive else "not supported", "; ".join(parts),
                table.scale.describe(), ours.mean - max(c.mean for c in theirs.values()),
                _join(*dict.fromkeys(notes), _seeds_note(ours, *theirs.values()), scale_note),
                table.scale.short(),
            ))
        return found
    return measure


def _value_near(
    column: str, target: float, tolerance: float, unit: str, method: str = "camtl"
) -> Callable[[list[Table]], list[Measurement]]:
    """CA-MTL's value in ``column`` within ``tolerance`` of the published figure."""
    def measure(tables: list[Table]) -> list[Measurement]:
        found = []
        for table in _comparisons(tables):
            if method not in table.rows:
                continue
            cell = table.cell(method, column)
            if not cell.n:
                continue
            ok = abs(cell.mean - target) <= tolerance
            found.append(Measurement(
                "supported" if ok else "not supported",
                f"{method}: {cell.value_text()}{unit} (claim {target:g}{unit} ± {tolerance:g})",
                table.scale.describe(), cell.mean, _seeds_note(cell), table.scale.short(),
            ))
        return found
    return measure


def _fewer_trained_than_stl(tables: list[Table]) -> list[Measurement]:
    found = []
    for table in _comparisons(tables):
        if "camtl" not in table.rows or "stl" not in table.rows:
            continue
        ours = table.cell("camtl", "params_trained_pct")
        stl = table.cell("stl", "params_trained_pct")
        if not (ours.n and stl.n):
            continue
        found.append(Measurement(
            "supported" if ours.mean < stl.mean else "not supported",
            f"trained/task: camtl {ours.value_text()}% vs stl {stl.value_text()}% of the backbone",
            table.scale.describe(), ours.mean, _seeds_note(ours, stl), table.scale.short(),
        ))
    return found


def _competitive_large(tables: list[Table]) -> list[Measurement]:
    found = []
    for table in _comparisons(tables, min_tasks=26):
        ours = _average(table, "camtl-large")
        others = {r: _average(table, r) for r in table.rows if r != "camtl-large"}
        others = {r: c for r, c in others.items() if c is not None}
        if ours is None or not others:
            continue
        best, cell = max(others.items(), key=lambda item: item[1].mean)
        diff = ours.mean - cell.mean
        found.append(Measurement(
            "supported" if diff >= -1.0 else "not supported",
            f"camtl-large − best other ({best}): {diff:+.1f} points (competitive = within 1)",
            table.scale.describe(), diff, _seeds_note(ours, cell), table.scale.short(),
        ))
    return found


def _forgetting(tables: list[Table]) -> list[Measurement]:
    return []


def _base_vs_large_stl(tables: list[Table]) -> list[Measurement]:
    """CA-MTL on a base backbone against single-task BERT-large, on the same GLUE tasks."""
    found = []
    glue = _comparisons(tables, suite="glue")
    for ours_table in glue:
        if "base" not in ours_table.scale.backbone.lower():
            continue
        ours = _average(ours_table, "camtl")
        for stl_table in glue:
            if "large" not in stl_table.scale.backbone.lower():
                continue
            if stl_table.scale.tasks != ours_table.scale.tasks:
                continue
            stl = _average(stl_table, "stl")
            if ours is None or stl is None:
                continue
            diff, note = _gap(ours, stl)
            found.append(Measurement(
                "supported" if diff > 0 else "not supported",
                f"camtl ({ours_table.scale.backbone}) − stl ({stl_table.scale.backbone}): "
                f"{diff:+.1f} points",
                f"{ours_table.scale.describe()} | stl: {stl_table.scale.describe()}", diff,
                _join(note, _seeds_note(ours, stl)),
                f"{ours_table.scale.short()} | stl: {stl_table.scale.short()}",
            ))
    return found


CLAIMS: tuple[Claim, ...] = (
    Claim("beats-stl", "Beats single-task fine-tuning.",
          "\u201cbeats single-task fine-tuning\u201d", _UNSTATED, CITATION, _beats(("stl",))),
    Claim("parameter-efficient", "Parameter efficient: fewer trained parameters per task than "
          "single-task fine-tuning.", "\u201cparameter ... efficient\u201d", _UNSTATED, CITATION,
          _fewer_trained_than_stl),
    Claim("data-66", "Uses around 66% of the data for weight updates.",
          "\u201caround 66% of the data for weight updates\u201d (earlier version: 64.6%)",
          _UNSTATED, CITATION, _value_near("data_used", 66.0, 5.0, "%")),
    Claim("adapters-2.8", "On GLUE with BERT-large, the 8-task model beats other adapter "
          "methods (average score).", "+2.8% average score over adapter methods",
          "BERT-large, GLUE, 8 tasks", CITATION,
          _beats(("houlsby",), suite="glue", paper_backbone="large")),
    Claim("24-task", "The 24-task model beats multi-task and single-task fine-tuning.",
          "+0.7 to +1.0% over MTL and single-task fine-tuning", "24 tasks", CITATION,
          _beats(("mtl", "stl"), min_tasks=24)),
    Claim("large-26", "A larger variant is competitive over 26 NLP tasks.",
          "competitive over 26 tasks", "26 tasks", CITATION, _competitive_large),
    Claim("forgetting", "Forgetting is mitigated by keeping half of the pretrained weights "
          "fixed.", "forgetting mitigated", _UNSTATED, CITATION, _forgetting),
    Claim("base-vs-large-stl", "The base model beats fully fine-tuned BERT-large on GLUE.",
          "+2.2% over fully fine-tuned BERT-large", "CA-MTL base vs BERT-large, GLUE",
          CITATION_EARLIER, _base_vs_large_stl),
    Claim("params-5.6", "Trains about 5.6% parameters per task.",
          "+5.6% trained parameters per task", "base model", CITATION_EARLIER,
          _value_near("params_trained_pct", 5.6, 1.0, "%")),
)

_NOT_MEASURED = {
    "beats-stl": "needs camtl and stl rows, each with an average, in one comparison table",
    "parameter-efficient": "needs camtl and stl rows in one comparison table",
    "data-66": "needs a camtl row in a comparison table",
    "adapters-2.8": "needs camtl and houlsby rows, each with an average, in one GLUE table",
    "params-5.6": "needs a camtl row in a comparison table",
    "24-task": "needs camtl, mtl and stl runs on one task set of 24 or more tasks",
    "large-26": "needs camtl-large and another method on one task set of 26 or more tasks",
    "forgetting": "result records carry no forgetting measure (scores on pretraining or "
                  "earlier tasks after training)",
    "base-vs-large-stl": "needs camtl on a '*base*' backbone and stl on a '*large*' backbone, "
                         "same GLUE tasks",
}


def check_claims(tables: list[Table]) -> list[ClaimResult]:
    """Measure every claim in every table that can; unmeasured claims say why."""
    results = []
    for claim in CLAIMS:
        found = claim.measure(tables)
        if not found:
            why = _NOT_MEASURED.get(claim.key, "no comparison table has the methods it needs")
            found = [Measurement("not measured", "—", note=why)]
        results.append(ClaimResult(claim, found))
    return results
