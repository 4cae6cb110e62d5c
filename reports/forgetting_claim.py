"""The forgetting claim ("forgetting is mitigated by freezing half of the weights"), judged
per scale from the "Forgetting" tables' resampled figures (``reports.forgetting``).

The verdict is on drop(full fine-tuning) − drop(CA-MTL), "greater" meaning CA-MTL forgets
less. Full fine-tuning is ``mtl`` when the scale has it, else ``stl``: both train every
weight, and ``mtl``, trained on the same tasks in one model as CA-MTL, is the closer
comparison (docs/reports.md, "Forgetting").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmark.results.frame import ResultSet
from benchmark.stats import DEFAULT_RESAMPLES, ClaimVerdict, judge_difference
from benchmark.stats.bootstrap import format_difference, format_score
from reports.evidence import gather_evidence
from reports.forgetting import (
    ForgettingAnalysis,
    ForgettingRow,
    ForgettingTable,
    drawn_interval,
    forgetting_analyses,
)
from reports.forgetting_draws import Drawn

CAMTL = "camtl"
BASELINES = ("mtl", "stl")
"""Full fine-tuning baselines of the claim, in order of preference."""


@dataclass(frozen=True)
class ForgettingVerdict:
    """The forgetting claim at one scale: CA-MTL against full fine-tuning."""

    scale: str
    """``Scale.describe()``."""
    scale_short: str
    """``Scale.short()``."""
    methods: tuple[str, str]
    """(CA-MTL row, baseline row)."""
    measure: str
    """``sts`` (zero-shot STS-B drop) or ``mlm`` (masked-LM loss increase)."""
    measured: str
    verdict: ClaimVerdict
    note: str = ""
    """How learning was judged where it was not by intervals."""


def _learning(analysis: ForgettingAnalysis, rows: Sequence[ForgettingRow], result: ResultSet,
              n_resamples: int) -> tuple[dict[str, Mapping[str, bool]], list[str], str]:
    """Task -> at-baseline flags of each row, by the project's interval rule
    (``reports.evidence``: per-example predictions beside the records), and the tasks both
    rows trained; rows without prediction files fall back to their records' point scores,
    and the note says so."""
    tasks = [t for t in rows[0].tasks_key.split(",") if all(t in r.tasks_key.split(",")
                                                             for r in rows)]
    evidence = gather_evidence({r.key: r.run_ids for r in rows}, tasks, result,
                               n_resamples=n_resamples)
    flags, fallback = {}, []
    for row in rows:
        found = evidence.rows.get(row.key)
        if found is not None and found.at_baseline:
            flags[row.key] = found.at_baseline
        else:
            flags[row.key] = analysis.flags.get(row.key, {})
            fallback.append(row.key)
    note = (f"learning of {', '.join(fallback)} judged on point scores against the trivial "
            "predictor (no per-example predictions to bootstrap)") if fallback else ""
    return flags, tasks, note


def _pairs(table: ForgettingTable) -> list[tuple[ForgettingRow, ForgettingRow]]:
    """(CA-MTL row, baseline row) on the same task set; the baseline is mtl, else stl."""
    out = []
    for ours in (r for r in table.rows if r.method == CAMTL):
        for name in BASELINES:
            theirs = next((r for r in table.rows
                           if r.method == name and r.tasks_key == ours.tasks_key), None)
            if theirs is not None:
                out.append((ours, theirs))
                break
    return out


def _verdict(analysis: ForgettingAnalysis, ours: ForgettingRow, theirs: ForgettingRow,
             result: ResultSet) -> ForgettingVerdict | None:
    table = analysis.table
    for kind, name, unit in (("sts", "STS drop", ""), ("mlm", "MLM loss increase", " nats")):
        drops = analysis.drops[kind]
        if ours.key not in drops or theirs.key not in drops:
            continue
        a, b = drops[ours.key], drops[theirs.key]
        difference = drawn_interval(Drawn(b.full - a.full, b.draws - a.draws), table.n_resamples)
        flags, tasks, note = _learning(analysis, (ours, theirs), result, table.n_resamples)
        verdict = judge_difference(difference, "greater", at_baseline=flags, tasks=tasks)
        digits = 1 if kind == "sts" else 3
        ours_drop = format_score(drawn_interval(a, table.n_resamples), digits)
        theirs_drop = format_score(drawn_interval(b, table.n_resamples), digits)
        measured = (f"{name}: {ours.key} {ours_drop} vs {theirs.key} {theirs_drop}"
                    f"{unit}; difference ({theirs.key} − {ours.key}) "
                    f"{format_difference(difference, digits)}")
        return ForgettingVerdict(table.scale.describe(), table.scale.short(),
                                 (ours.key, theirs.key), kind, measured, verdict, note)
    return None


def forgetting_verdicts(result: ResultSet, *, n_resamples: int = DEFAULT_RESAMPLES
                        ) -> list[ForgettingVerdict]:
    """The forgetting claim at every scale with CA-MTL and full fine-tuning measured.

    (a) the zero-shot STS-B drop where both rows measured it, else (b) the masked-LM
    loss increase; "inconclusive (did not learn at this budget)" when a compared method
    is at its trivial baseline on most tasks, as for every claim.
    """
    found = []
    for analysis in forgetting_analyses(result, n_resamples=n_resamples):
        for ours, theirs in _pairs(analysis.table):
            verdict = _verdict(analysis, ours, theirs, result)
            if verdict is not None:
                found.append(verdict)
    return found
