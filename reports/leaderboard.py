"""One row per configuration (every run but the seed) across one or more results folders.

The leaderboard ranks nothing itself: the page sorts by any column. Each numeric
cell is a ``Cell`` across seeds, so missing seeds are marked exactly as in the tables.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace

import pandas as pd

from benchmark.results.frame import GROUP_KEYS, SCORE_PREFIX
from benchmark.tasks.suite_naming import is_task_set
from reports.cells import Cell, Column
from reports.labels import method_identities, method_label, suite_order

COLUMNS = (
    Column("task_average", "Avg (its tasks)", "score",
           "mean over the run's own tasks, per seed, then mean ± std over seeds"),
    Column("suite_average", "Suite avg", "score",
           "suite_average from the records; null (—) when a task of the suite is missing"),
    Column("trained_pct", "Trained / task (%)", "percent",
           "parameters.trained_per_task_ratio × 100"),
    Column("total_to_serve", "Params to serve", "count", "parameters.total_to_serve"),
    Column("data_used", "% data used", "percent", "data_usage.overall.ratio × 100"),
    Column("wall_time", "Wall time (s)", "number", "training.wall_time_s"),
)


@dataclass
class Entry:
    """A leaderboard row: what was run, and one cell per column."""

    method: str
    label: str
    suite: str
    tasks: tuple[str, ...]
    backbone: str
    fingerprint: str
    budget: dict
    seeds: tuple[int, ...]
    run_ids: tuple[str, ...]
    cells: dict[str, Cell]


def _own_average(run: pd.Series) -> float:
    scores = [run.get(SCORE_PREFIX + t, math.nan) for t in run["tasks"]]
    return math.nan if any(pd.isna(s) for s in scores) else statistics.fmean(scores)


_VALUES = {
    "task_average": _own_average,
    "suite_average": lambda r: r["suite_average"],
    "trained_pct": lambda r: r["params_trained_per_task_ratio"] * 100,
    "total_to_serve": lambda r: r["params_total_to_serve"],
    "data_used": lambda r: r["data_ratio"] * 100,
    "wall_time": lambda r: r["wall_time_s"],
}


def _no_suite_average(suite: str) -> str:
    if is_task_set(suite):
        return "no suite average: a hand-picked task set, named by its tasks"
    return "suite_average is null: a task of the suite is missing"


def leaderboard_entries(frame: pd.DataFrame) -> list[Entry]:
    """Group runs by configuration; mark cells with fewer seeds than the best-covered row."""
    if frame.empty:
        return []
    entries = []
    identities = method_identities(frame)
    for _, runs in frame.groupby(list(GROUP_KEYS), sort=False):
        runs = runs.sort_values("seed")
        first = runs.iloc[0]
        cells = {}
        for column in COLUMNS:
            found = [(float(_VALUES[column.key](r)), int(r["seed"])) for _, r in runs.iterrows()]
            found = [f for f in found if not math.isnan(f[0])]
            note = "" if found else (
                _no_suite_average(first["suite"]) if column.key == "suite_average"
                else "no value")
            cells[column.key] = Cell(tuple(f[0] for f in found), tuple(f[1] for f in found),
                                     column.kind, note=note)
        entries.append(Entry(
            first["variant"], method_label(first["variant"], identities), first["suite"],
            first["tasks"],
            first["backbone"], first["backbone_fingerprint"], first["budget"],
            tuple(int(s) for s in runs["seed"]), tuple(runs["run_id"]), cells,
        ))
    expected = max(len(e.seeds) for e in entries)
    for entry in entries:
        entry.cells = {k: replace(c, expected=expected) for k, c in entry.cells.items()}
    rank = {s: i for i, s in enumerate(suite_order(e.suite for e in entries))}
    def order(entry: Entry) -> tuple:
        avg = entry.cells["task_average"].mean
        return (rank[entry.suite], entry.tasks, -(avg if not math.isnan(avg) else -math.inf))
    return sorted(entries, key=order)
