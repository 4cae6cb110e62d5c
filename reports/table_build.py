"""The building blocks of every report table: value functions over a run (its task
scores, their average and spread, a record column), scales, and ``build_table``, which
evaluates each column on each run of each row into cells across seeds.

Kept apart from the tables themselves (``reports.tables``, ``reports.fidelity_tables``) so
that a new table is a new function over these, not an edit of another table.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from benchmark.results.frame import SCORE_PREFIX
from reports.cells import STARVED_LEGEND, Cell, Column
from reports.labels import suite_order
from reports.table_model import Scale, Table

ValueFn = Callable[[pd.Series], float]
"""A column's value for one run (one seed); NaN when the run has none."""


def slug(*parts: str) -> str:
    text = "-".join(parts).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "table"


def task_average(tasks: Sequence[str]) -> ValueFn:
    """Per-seed mean over ``tasks``; NaN unless the run scored every one of them."""
    def value(run: pd.Series) -> float:
        scores = [run.get(SCORE_PREFIX + t, math.nan) for t in tasks]
        if not scores or any(pd.isna(s) for s in scores):
            return math.nan
        return statistics.fmean(scores)
    return value


def task_spread(tasks: Sequence[str]) -> ValueFn:
    """Per-seed population std across tasks (how uneven a method is), complete runs only."""
    def value(run: pd.Series) -> float:
        scores = [run.get(SCORE_PREFIX + t, math.nan) for t in tasks]
        if len(scores) < 2 or any(pd.isna(s) for s in scores):
            return math.nan
        return statistics.pstdev(scores)
    return value


def column_value(name: str, scale: float = 1.0) -> ValueFn:
    def value(run: pd.Series) -> float:
        raw = run.get(name, math.nan)
        return math.nan if pd.isna(raw) else float(raw) * scale
    return value


def task_score(task: str) -> ValueFn:
    return column_value(SCORE_PREFIX + task)


def multiple_of_backbone(run: pd.Series) -> float:
    backbone = run.get("params_backbone", math.nan)
    if pd.isna(backbone) or backbone == 0:
        return math.nan
    return float(run["params_total_to_serve"]) / float(backbone)


def _missing_note(runs: pd.DataFrame, column: Column, tasks: Sequence[str]) -> str:
    if runs.empty:
        return "not run"
    if column.key.startswith(SCORE_PREFIX):
        task = column.key[len(SCORE_PREFIX):]
        if not any(task in t for t in runs["tasks"]):
            return "task not in this method's runs"
        return "score is null in every run"
    if column.key in ("average", "task_std"):
        lacking = sorted({t for t in tasks for ts in runs["tasks"] if t not in ts}, key=str)
        null = sorted({t for _, r in runs.iterrows() for t in tasks
                       if t in r["tasks"] and pd.isna(r.get(SCORE_PREFIX + t))})
        why = lacking + [t for t in null if t not in lacking]
        if why:
            return "incomplete row, no seed has every task (missing: " + ", ".join(why) + ")"
    return "no run"


def build_table(
    *,
    kind: str,
    slug: str,
    title: str,
    caption: str,
    scale_runs: pd.DataFrame,
    rows: dict[str, pd.DataFrame],
    row_labels: dict[str, str],
    columns: list[tuple[Column, ValueFn]],
    tasks: Sequence[str] = (),
    suite: str | None = None,
) -> Table:
    """Evaluate every column on every run of every row, then set the expected seed count."""
    cells: dict[str, dict[str, Cell]] = {}
    seed_rows = []
    for row, runs in rows.items():
        runs = runs.sort_values("seed")
        cells[row] = {}
        for column, fn in columns:
            found = [(fn(r), int(r["seed"]), r["run_id"]) for _, r in runs.iterrows()]
            found = [f for f in found if not math.isnan(f[0])]
            note = "" if found else _missing_note(runs, column, tasks)
            cells[row][column.key] = Cell(
                values=tuple(f[0] for f in found), seeds=tuple(f[1] for f in found),
                kind=column.kind, note=note, run_ids=tuple(f[2] for f in found),
                starved=_starved_seeds(runs, column),
            )
        for _, r in runs.iterrows():
            values = {column.key: fn(r) for column, fn in columns}
            seed_rows.append({"row": row, "seed": int(r["seed"]), "run_id": r["run_id"], **values})
    expected = max((c.n for row in cells.values() for c in row.values()), default=0)
    frame = pd.DataFrame(
        {c.key: [replace(cells[r][c.key], expected=expected) for r in rows] for c, _ in columns},
        index=pd.Index(list(rows), name="row"), dtype=object,
    )
    per_seed = _merge_seed_rows(seed_rows, [c.key for c, _ in columns])
    first = scale_runs.iloc[0]
    seeds = tuple(sorted({int(s) for s in scale_runs["seed"]}))
    budget = dict(first["budget"])
    scale = Scale(first["backbone"], first["backbone_fingerprint"], budget, seeds, suite,
                  tuple(tasks))
    starved = any(c.starved for row in cells.values() for c in row.values())
    notes = [*_rate_notes(rows, row_labels), *([STARVED_LEGEND] if starved else [])]
    return Table(kind, slug, title, caption, scale, [c for c, _ in columns], row_labels, frame,
                 per_seed, notes)


def _starved_seeds(runs: pd.DataFrame, column: Column) -> tuple[int, ...]:
    """Seeds whose run starved the task of a task-score column (none for other columns)."""
    if not column.key.startswith(SCORE_PREFIX) or "starved_tasks" not in runs:
        return ()
    task = column.key[len(SCORE_PREFIX):]
    return tuple(int(r["seed"]) for _, r in runs.iterrows() if task in r["starved_tasks"])


def _rate_notes(rows: dict[str, pd.DataFrame], labels: dict[str, str]) -> list[str]:
    """Learning rates are per method, not part of the scale: list them when rows differ."""
    rates = {}
    for row, runs in rows.items():
        found = sorted({str(b.get("learning_rate")) for b in runs["budget"]})
        rates[labels[row]] = ", ".join(found)
    if len(set(rates.values())) <= 1:
        return []
    return ["learning rate: " + "; ".join(f"{label} {rate}" for label, rate in rates.items())]


def _merge_seed_rows(seed_rows: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    """One line per (row, seed); when several runs share it (a suite or method per column),
    each column takes the value of the run that has one and the run ids are joined."""
    frame = pd.DataFrame(seed_rows, columns=["row", "seed", "run_id", *keys])
    if frame.empty:
        return frame.set_index(["row", "seed"])
    merged = frame.groupby(["row", "seed"], sort=False).agg(
        {"run_id": lambda ids: ",".join(ids), **{k: "first" for k in keys}}
    )
    return merged


def scales(frame: pd.DataFrame, keys: list[str]) -> list[tuple[tuple, pd.DataFrame]]:
    if frame.empty:
        return []
    groups = list(frame.groupby(keys, sort=False, dropna=False))
    order = {s: i for i, s in enumerate(suite_order(frame["suite"]))}
    def rank(item: tuple[tuple, pd.DataFrame]) -> tuple:
        _, runs = item
        return (order.get(runs["suite"].iloc[0], 0), -len(runs), str(item[0]))
    return sorted(groups, key=rank)


def task_titles(runs: pd.DataFrame) -> dict[str, str]:
    """Task -> the name its records print (``SST-2``, a user task's display_name)."""
    titles: dict[str, str] = {}
    for recorded in runs.get("task_titles", pd.Series(dtype=object)):
        if isinstance(recorded, dict):
            for task, title in recorded.items():
                titles.setdefault(task, title)
    return titles


def score_columns(tasks: Sequence[str], runs: pd.DataFrame) -> list[tuple[Column, ValueFn]]:
    titles = task_titles(runs)
    return [(Column(SCORE_PREFIX + t, titles.get(t, t), "score"), task_score(t)) for t in tasks]


def average_column(tasks: Sequence[str]) -> tuple[Column, ValueFn]:
    title = f"mean over the {len(tasks)} tasks, per seed; only seeds that scored every task count"
    return Column("average", "Avg", "score", title), task_average(tasks)


def data_column() -> tuple[Column, ValueFn]:
    title = "data_usage.overall.ratio: distinct examples with a gradient update / available"
    return Column("data_used", "% data used", "percent", title), column_value("data_ratio", 100.0)
