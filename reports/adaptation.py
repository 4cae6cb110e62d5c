"""The domain-adaptation table: rows are training-data fractions, columns are methods.

Built from the records `adapt` writes: for one new task (and backbone and budget), each
adapted model (``camtl-from-<source>``, ``mtl-from-<source>``) and each model fine-tuned
from the backbone (the reference row, stl) at every fraction. A cell is the mean over seeds
with its 95% paired bootstrap interval over seeds and evaluation examples
(``reports.evidence``: the columns of one fraction are resampled together, with the trivial
predictor of the same examples), marked where it is at that baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from benchmark.results.frame import ResultSet
from benchmark.stats.bootstrap import Interval, format_score
from reports.evidence import gather_evidence


@dataclass(frozen=True)
class AdaptationCell:
    score: Interval | None
    seeds: int
    at_baseline: bool
    missing: str | None = None

    def text(self) -> str:
        if self.score is None:
            return "—"
        mark = " (at baseline)" if self.at_baseline else ""
        return f"{format_score(self.score)}{mark}"


@dataclass
class AdaptationTable:
    """One new task's fractions x methods."""

    task: str
    title: str
    backbone: str
    columns: list[str]
    fractions: list[float]
    train_examples: dict[float, int]
    cells: dict[tuple[float, str], AdaptationCell] = field(default_factory=dict)
    baseline: dict[float, Interval | None] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    """column -> the source run id it was adapted from ("" for a model from the backbone)."""
    notes: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return f"adaptation-{self.task}"

    def baseline_text(self, fraction: float) -> str:
        interval = self.baseline.get(fraction)
        return "—" if interval is None else format_score(interval)

    def row_label(self, fraction: float) -> str:
        examples = self.train_examples.get(fraction)
        count = "" if examples is None else f" ({examples:,} examples)"
        return f"{fraction * 100:g}%{count}"


def adaptation_tables(result: ResultSet) -> list[AdaptationTable]:
    """One table per new task that has adapted runs in ``result``."""
    frame = result.frame
    if frame.empty or "adapt_from" not in frame or frame["adapt_from"].isna().all():
        return []
    single = frame[frame["n_tasks"] == 1]
    tables = []
    keys = ["tasks_key", "backbone_fingerprint", "budget_key_no_fraction"]
    for (task, _, _), group in single.groupby(keys, sort=True):
        if group["adapt_from"].isna().all():
            continue
        tables.append(_table(task, group, result))
    return tables


def _table(task: str, group: pd.DataFrame, result: ResultSet) -> AdaptationTable:
    plain = sorted(group.loc[group["adapt_from"].isna(), "variant"].unique())
    adapted = sorted(group.loc[group["adapt_from"].notna(), "variant"].unique())
    first = result.records[group["run_id"].iloc[0]]
    table = AdaptationTable(
        task=task, title=(first.get("task_titles") or {}).get(task, task),
        backbone=str(group["backbone"].iloc[0]), columns=[*plain, *adapted],
        fractions=sorted(float(f) for f in group["train_fraction"].unique()),
        train_examples={},
    )
    for variant in adapted:
        table.sources[variant] = str(group.loc[group["variant"] == variant,
                                               "adapt_from"].iloc[0])
    for fraction in table.fractions:
        at = group[group["train_fraction"] == fraction]
        counts = {result.records[r]["budget"]["train_examples"][task] for r in at["run_id"]}
        if len(counts) == 1:
            table.train_examples[fraction] = counts.pop()
        runs = {v: tuple(sorted(at.loc[at["variant"] == v, "run_id"])) for v in table.columns}
        evidence = gather_evidence({v: ids for v, ids in runs.items() if ids}, [task], result)
        table.baseline[fraction] = (evidence.baseline.per_task.get(task)
                                    if evidence.baseline is not None else None)
        for variant in table.columns:
            row = evidence.rows.get(variant)
            table.cells[(fraction, variant)] = AdaptationCell(
                row.score.per_task[task] if row is not None else None, len(runs[variant]),
                bool(row is not None and row.at_baseline.get(task)),
                evidence.missing.get(variant) or (None if runs[variant] else "no run"))
        if evidence.excluded:
            table.notes += [f"{fraction:g}: {why}" for why in evidence.excluded.values()]
    table.notes.append(
        "Cells: mean over seeds [95% paired bootstrap interval over seeds and evaluation "
        "examples]; '(at baseline)': the paired gain over the trivial predictor on the same "
        "examples is not above 0. Columns named <method>-from-<run> start from that "
        "multi-task run's kept checkpoint; the others from the backbone.")
    return table
