"""A table with its evidence attached: intervals in the score cells, "at baseline" marks,
the trivial predictor's row and the paired differences against a reference row.

Kept apart from ``reports.tables`` (which builds tables from records alone, so that
exports and tests of the numbers need no prediction files) and from
``reports.evidence`` (which computes the intervals and knows nothing of tables).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from benchmark.results.frame import SCORE_PREFIX, ResultSet
from benchmark.stats import Interval, format_difference, format_score
from reports.cells import AT_BASELINE_LEGEND, Cell
from reports.evidence import Evidence, table_evidence
from reports.table_model import Table
from reports.tables import paper_tables

REFERENCE_ROWS = ("stl", "mtl")
"""The row differences are taken against, the first present: single-task fine-tuning is
what the paper's claims compare with."""


@dataclass(frozen=True)
class IntervalCell:
    """A derived number with its interval: a baseline score or a paired difference."""

    interval: Interval | None
    difference: bool = False
    note: str = ""

    def text(self) -> str:
        if self.interval is None or self.interval.estimate != self.interval.estimate:
            return "—"
        return (format_difference(self.interval) if self.difference
                else format_score(self.interval))


@dataclass(frozen=True)
class DerivedRow:
    """One row of derived cells, keyed by the table's column keys."""

    key: str
    label: str
    cells: dict[str, IntervalCell]


@dataclass(frozen=True)
class Annotated:
    """What the report shows of one table: the table with intervals, the trivial
    predictor's row, the differences against the reference row, and how they were formed."""

    table: Table
    evidence: Evidence
    baseline: DerivedRow | None
    differences: list[DerivedRow]
    reference: str | None
    method_note: str
    missing: dict[str, str]


def _task_of(column: str) -> str | None:
    if column == "average":
        return "average"
    return column[len(SCORE_PREFIX):] if column.startswith(SCORE_PREFIX) else None


def _pick(interval: Interval, task: str) -> Interval | None:
    return interval if task == "average" else interval.per_task.get(task)


def _with_intervals(table: Table, evidence: Evidence) -> Table:
    cells = table.cells.copy()
    for row in table.rows:
        found = evidence.rows.get(row)
        if found is None:
            continue
        for column in table.cells.columns:
            task = _task_of(column)
            if task is None:
                continue
            picked = _pick(found.score, task)
            if picked is None:
                continue
            flag = bool(found.at_baseline.get(task, False)) if task != "average" else False
            cells.loc[row, column] = replace(cells.loc[row, column], interval=picked,
                                             at_baseline=flag)
    notes = list(table.notes)
    if any(c.at_baseline for c in cells.to_numpy().ravel() if isinstance(c, Cell)):
        notes.append(AT_BASELINE_LEGEND)
    return replace(table, cells=cells, notes=notes)


def _derived(table: Table, interval: Interval | None, difference: bool
             ) -> dict[str, IntervalCell]:
    out = {}
    for column in table.cells.columns:
        task = _task_of(column)
        if task is not None:
            out[column] = IntervalCell(None if interval is None else _pick(interval, task),
                                       difference)
    return out


def _baseline_label(evidence: Evidence) -> str:
    kinds = sorted(set(evidence.baseline_predictor.values()))
    return "Trivial predictor (" + ", ".join(kinds or ["majority class"]) + ")"


def annotate(table: Table, evidence: Evidence) -> Annotated:
    """The table with ``evidence`` attached (see the module docstring)."""
    shown = _with_intervals(table, evidence)
    baseline = None
    if evidence.baseline is not None:
        baseline = DerivedRow("trivial", _baseline_label(evidence),
                              _derived(table, evidence.baseline, False))
    reference = next((r for r in REFERENCE_ROWS if r in evidence.rows), None)
    pairs = table.pairs or [(row, reference) for row in table.rows
                            if reference is not None and row != reference]
    names = table.row_labels
    differences = []
    for row, other in pairs:
        if row not in evidence.rows or other not in evidence.rows:
            continue
        delta = evidence.difference(row, other)
        label = f"{names.get(row, row)} − {names.get(other, other)}"
        differences.append(DerivedRow(row, label, _derived(table, delta, True)))
    if table.pairs:
        reference = None
    return Annotated(shown, evidence, baseline, differences, reference, evidence.describe(),
                     dict(evidence.missing))


def derived_frame(rows: list[DerivedRow], table: Table) -> pd.DataFrame:
    """Derived rows as display text (for the Markdown and CSV exports)."""
    keys = [c.key for c in table.columns if c.key in (rows[0].cells if rows else {})]
    labels = {c.key: c.label for c in table.columns}
    return pd.DataFrame({labels[k]: [r.cells[k].text() for r in rows] for k in keys},
                        index=[r.label for r in rows])


def annotated_tables(result: ResultSet) -> list[tuple[Table, Annotated | None]]:
    """The paper's tables of ``result``, each with its evidence attached where it has task
    columns (the report and the ``tables`` export show the same intervals)."""
    out = []
    for table in paper_tables(result.frame):
        scored = table.scale.tasks and "average" in table.cells.columns
        extra = annotate(table, table_evidence(table, result)) if scored else None
        out.append((table, extra))
    return out
