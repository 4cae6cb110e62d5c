"""The paper's claims (``shared/design/camtl.md``) checked against the measured tables.

Only the abstract's claims are listed, quoted with their citation; no number from the
paper's tables is shown. Each claim is measured in every comparison table that has the
methods it needs, so the checklist gives one line per (claim, scale), and a claim
nothing measures says "not measured" and why. The verdict rules are in
``reports.claim_rules`` (and docs/reports.md, "Intervals and verdicts").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmark.results.frame import ResultSet
from benchmark.stats import Verdict
from reports.claim_rules import (
    NOT_MEASURED,
    ONE_SEED_NOTE,
    Claim,
    ClaimContext,
    ClaimResult,
    Measurement,
    average_cell,
    beats,
    compare,
    comparisons,
    data_share,
    exact_figure,
    join_notes,
    names_size,
)
from reports.evidence import Evidence, gather_evidence
from reports.forgetting_claim import forgetting_verdicts
from reports.suite_coverage import coverage
from reports.table_model import Table

__all__ = ["CLAIMS", "ONE_SEED_NOTE", "ClaimResult", "Measurement", "check_claims"]

CITATION = (
    "Pilault, El hattami & Pal, Conditionally Adaptive Multi-Task Learning, ICLR 2021, "
    "arXiv:2009.09139, abstract"
)
CITATION_EARLIER = (
    "Pilault, El hattami & Pal, arXiv:2009.09139, earlier version of the abstract"
)
_UNSTATED = "not stated in the abstract"


def _fewer_trained_than_stl(ctx: ClaimContext) -> list[Measurement]:
    found = []
    for table in comparisons(ctx):
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
    for table in comparisons(ctx, min_tasks=26):
        others = {r: average_cell(table, r) for r in table.rows if r != "camtl-large"}
        others = {r: c for r, c in others.items() if c is not None}
        if average_cell(table, "camtl-large") is None or not others:
            continue
        best = max(others, key=lambda r: others[r].mean)
        note = join_notes(f"competitive = Δ above −1 point; {best} is the best other method "
                          "by seed mean", coverage(table))
        found.append(compare(table, ctx.evidence.get(table.slug), "camtl-large", (best,),
                             threshold=-1.0, extra_note=note))
    return found


def _forgetting(ctx: ClaimContext) -> list[Measurement]:
    """Δ = forgetting of full fine-tuning − CA-MTL's, judged on its interval
    (``reports.forgetting_claim``: STS-B zero-shot drop, else masked-LM loss increase)."""
    if ctx.result is None:
        return []
    found = []
    for item in forgetting_verdicts(ctx.result):
        verdict = item.verdict
        inside = verdict.published_inside
        found.append(Measurement(
            verdict.verdict.value, item.measured, item.scale,
            None if verdict.interval is None else verdict.interval.estimate,
            join_notes(verdict.reason, item.note), item.scale_short, verdict.interval, inside))
    return found


def _base_vs_large_stl(ctx: ClaimContext) -> list[Measurement]:
    """CA-MTL on a base backbone against single-task BERT-large, on the same GLUE tasks:
    the two tables' runs are paired on the evaluation examples they share."""
    found = []
    glue = comparisons(ctx, suite="glue")
    for ours_table in glue:
        ours = average_cell(ours_table, "camtl")
        if not names_size(ours_table.scale.backbone, "base") or ours is None:
            continue
        for stl_table in glue:
            if not names_size(stl_table.scale.backbone, "large"):
                continue
            stl = average_cell(stl_table, "stl")
            if stl_table.scale.tasks != ours_table.scale.tasks or stl is None:
                continue
            evidence = None
            if ctx.result is not None:
                evidence = gather_evidence({"camtl": ours.run_ids, "stl": stl.run_ids},
                                           ours_table.scale.tasks, ctx.result)
            scales = (f"{ours_table.scale.describe()} | stl: {stl_table.scale.describe()}",
                      f"{ours_table.scale.short()} | stl: {stl_table.scale.short()}")
            found.append(compare(ours_table, evidence, "camtl", ("stl",), published=(2.2, 2.2),
                                 scale=scales, extra_note=f"stl from {stl_table.title}",
                                 cells=(ours, stl)))
    return found


CLAIMS: tuple[Claim, ...] = (
    Claim("beats-stl", "Beats single-task fine-tuning.",
          "\u201cbeats single-task fine-tuning\u201d", _UNSTATED, CITATION, beats(("stl",))),
    Claim("parameter-efficient", "Parameter efficient: fewer trained parameters per task than "
          "single-task fine-tuning.", "\u201cparameter ... efficient\u201d", _UNSTATED, CITATION,
          _fewer_trained_than_stl),
    Claim("data-66", "Uses around 66% of the data for weight updates.",
          "\u201caround 66% of the data for weight updates\u201d (earlier version: 64.6%)",
          _UNSTATED, CITATION, data_share(66.0, 5.0)),
    Claim("adapters-2.8", "On GLUE with BERT-large, the 8-task model beats other adapter "
          "methods (average score).", "+2.8% average score over adapter methods",
          "BERT-large, GLUE, 8 tasks", CITATION,
          beats(("houlsby",), suite="glue", paper_backbone="large", published=(2.8, 2.8))),
    Claim("24-task", "The 24-task model beats multi-task and single-task fine-tuning.",
          "+0.7 to +1.0% over MTL and single-task fine-tuning", "24 tasks", CITATION,
          beats(("mtl", "stl"), min_tasks=24, published=(0.7, 1.0))),
    Claim("large-26", "A larger variant is competitive over 26 NLP tasks.",
          "competitive over 26 tasks", "26 tasks", CITATION, _competitive_large),
    Claim("forgetting", "Forgetting is mitigated by keeping half of the pretrained weights "
          "fixed.", "forgetting mitigated", _UNSTATED, CITATION, _forgetting),
    Claim("base-vs-large-stl", "The base model beats fully fine-tuned BERT-large on GLUE.",
          "+2.2% over fully fine-tuned BERT-large", "CA-MTL base vs BERT-large, GLUE",
          CITATION_EARLIER, _base_vs_large_stl),
    Claim("params-5.6", "Trains about 5.6% parameters per task.",
          "+5.6% trained parameters per task", "base model", CITATION_EARLIER,
          exact_figure("params_trained_pct", 5.6, 1.0, "%")),
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
    "base-vs-large-stl": "needs camtl on a backbone named '...-base-...' and stl on one "
                         "named '...-large-...', same GLUE tasks",
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
