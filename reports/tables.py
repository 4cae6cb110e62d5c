"""The paper's tables from the runs frame, one table per scale, every cell across seeds.

A *scale* is what must be equal for numbers to be compared side by side (suite,
backbone and its fingerprint, budget), so a smoke run and a full run never share a
table. Inside a table, a row is a method (and its task set) and its runs are seeds.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from benchmark.results.frame import SCORE_PREFIX
from benchmark.tasks.suite_naming import is_task_set
from benchmark.training.fidelity import REFERENCE_CHOICES
from reports.cells import STARVED_LEGEND, Cell, Column
from reports.labels import (
    ABLATION_LADDER,
    MethodIdentity,
    fmt_fraction,
    ladder_order,
    method_identities,
    method_label,
    method_order,
    suite_order,
    task_order,
)
from reports.table_model import Scale, Table

ValueFn = Callable[[pd.Series], float]


def _slug(*parts: str) -> str:
    text = "-".join(parts).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "table"


def _task_average(tasks: Sequence[str]) -> ValueFn:
    """Per-seed mean over ``tasks``; NaN unless the run scored every one of them."""
    def value(run: pd.Series) -> float:
        scores = [run.get(SCORE_PREFIX + t, math.nan) for t in tasks]
        if not scores or any(pd.isna(s) for s in scores):
            return math.nan
        return statistics.fmean(scores)
    return value


def _task_spread(tasks: Sequence[str]) -> ValueFn:
    """Per-seed population std across tasks (how uneven a method is), complete runs only."""
    def value(run: pd.Series) -> float:
        scores = [run.get(SCORE_PREFIX + t, math.nan) for t in tasks]
        if len(scores) < 2 or any(pd.isna(s) for s in scores):
            return math.nan
        return statistics.pstdev(scores)
    return value


def _column(name: str, scale: float = 1.0) -> ValueFn:
    def value(run: pd.Series) -> float:
        raw = run.get(name, math.nan)
        return math.nan if pd.isna(raw) else float(raw) * scale
    return value


def _task_score(task: str) -> ValueFn:
    return _column(SCORE_PREFIX + task)


def _multiple_of_backbone(run: pd.Series) -> float:
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


def _build(
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


def _scales(frame: pd.DataFrame, keys: list[str]) -> list[tuple[tuple, pd.DataFrame]]:
    if frame.empty:
        return []
    groups = list(frame.groupby(keys, sort=False, dropna=False))
    order = {s: i for i, s in enumerate(suite_order(frame["suite"]))}
    def rank(item: tuple[tuple, pd.DataFrame]) -> tuple:
        _, runs = item
        return (order.get(runs["suite"].iloc[0], 0), -len(runs), str(item[0]))
    return sorted(groups, key=rank)


def _method_rows(
    runs: pd.DataFrame, methods: Sequence[str], identities: dict[str, MethodIdentity],
    ladder: bool,
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """One row per (method variant, task set); the task count shows only when sets differ."""
    rows: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    several = runs.groupby("variant")["tasks_key"].nunique().gt(1)
    for variant in methods:
        mine = runs[runs["variant"] == variant]
        for tasks_key, group in mine.groupby("tasks_key", sort=True):
            key = f"{variant} [{tasks_key}]" if several.get(variant, False) else variant
            rows[key] = group
            label = method_label(variant, identities, ladder=ladder)
            labels[key] = f"{label} ({group['n_tasks'].iloc[0]} tasks)" if key != variant else label
    return rows, labels


def _task_titles(runs: pd.DataFrame) -> dict[str, str]:
    """Task -> the name its records print (``SST-2``, a user task's display_name)."""
    titles: dict[str, str] = {}
    for recorded in runs.get("task_titles", pd.Series(dtype=object)):
        if isinstance(recorded, dict):
            for task, title in recorded.items():
                titles.setdefault(task, title)
    return titles


def _score_columns(tasks: Sequence[str], runs: pd.DataFrame) -> list[tuple[Column, ValueFn]]:
    titles = _task_titles(runs)
    return [(Column(SCORE_PREFIX + t, titles.get(t, t), "score"), _task_score(t)) for t in tasks]


def _average_column(tasks: Sequence[str]) -> tuple[Column, ValueFn]:
    title = f"mean over the {len(tasks)} tasks, per seed; only seeds that scored every task count"
    return Column("average", "Avg", "score", title), _task_average(tasks)


def _data_column() -> tuple[Column, ValueFn]:
    title = "data_usage.overall.ratio: distinct examples with a gradient update / available"
    return Column("data_used", "% data used", "percent", title), _column("data_ratio", 100.0)


def _is_ablation(runs: pd.DataFrame, identities: dict[str, MethodIdentity]) -> pd.Series:
    """Runs of ablation-family methods: Table 1's rows, left out of the comparison."""
    families = {v: identities[v].family for v in set(runs["variant"])}
    return runs["variant"].map(families) == "ablation"


SCALE_KEYS = ["suite", "backbone", "backbone_fingerprint", "budget_key"]


def full_data_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs on a fraction of the data belong to the adaptation table when a full-data run
    of the same setting exists; alone (no 1.0 run to compare with) they are kept."""
    if frame.empty:
        return frame
    keys = ["suite", "backbone", "backbone_fingerprint", "budget_key_no_fraction"]
    full = frame[frame["train_fraction"] == 1.0][keys].drop_duplicates()
    has_full = frame[keys].merge(full, how="left", on=keys, indicator=True)["_merge"] == "both"
    keep = (frame["train_fraction"] == 1.0).to_numpy() | ~has_full.to_numpy()
    return frame[keep]


def ablation_tables(frame: pd.DataFrame) -> list[Table]:
    """Table 1: the ablation ladder, one component added per row."""
    tables = []
    frame = full_data_runs(frame)
    for i, (_, scale_runs) in enumerate(_scales(frame, SCALE_KEYS)):
        identities = method_identities(scale_runs)
        ablation = _is_ablation(scale_runs, identities)
        runs = scale_runs[scale_runs["method"].isin(ABLATION_LADDER) | ablation]
        if not ablation.any():
            continue
        suite = str(runs["suite"].iloc[0])
        tasks = task_order(t for ts in runs["tasks"] for t in ts)
        variants = ladder_order(runs["variant"], identities)
        rows, labels = _method_rows(runs, variants, identities, ladder=True)
        spread = Column("task_std", "σ tasks", "score",
                        "population std of the task scores, per seed, then mean ± std over seeds")
        columns = [*_score_columns(tasks, runs), _average_column(tasks),
                   (spread, _task_spread(tasks)), _data_column()]
        tables.append(_build(
            kind="ablation", slug=_slug("ablation", suite, str(i)),
            title=f"Ablation ladder ({suite} dev)",
            caption="Each row adds one component to the row above; the last row is CA-MTL.",
            scale_runs=runs, rows=rows, row_labels=labels, columns=columns, tasks=tasks,
            suite=suite,
        ))
    return tables


def comparison_tables(frame: pd.DataFrame) -> list[Table]:
    """Table 2: parameters to serve, trained parameters per task, scores; plugins as extra rows."""
    tables = []
    frame = full_data_runs(frame)
    for i, (_, scale_runs) in enumerate(_scales(frame, SCALE_KEYS)):
        identities = method_identities(scale_runs)
        runs = scale_runs[~_is_ablation(scale_runs, identities)]
        if runs.empty:
            continue
        suite = str(runs["suite"].iloc[0])
        tasks = task_order(t for ts in runs["tasks"] for t in ts)
        variants = method_order(runs["variant"], identities)
        rows, labels = _method_rows(runs, variants, identities, ladder=False)
        params = [
            (Column("params_total", "Params to serve", "count",
                    "parameters.total_to_serve: frozen shared + trainable, all tasks"),
             _column("params_total_to_serve")),
            (Column("params_total_x", "× backbone", "multiple",
                    "total_to_serve / backbone parameters"), _multiple_of_backbone),
            (Column("params_trained_pct", "Trained / task (%)", "percent",
                    "parameters.trained_per_task_ratio × 100: trainable / T, over backbone"),
             _column("params_trained_per_task_ratio", 100.0)),
        ]
        columns = [*params, *_score_columns(tasks, runs), _average_column(tasks), _data_column()]
        tables.append(_build(
            kind="comparison", slug=_slug("comparison", suite, str(i)),
            title=f"Method comparison ({suite} dev)",
            caption="Single-task fine-tuning, adapters, standard MTL and CA-MTL at one scale.",
            scale_runs=runs, rows=rows, row_labels=labels, columns=columns, tasks=tasks,
            suite=suite,
        ))
    return tables


def _best_per_seed(runs: pd.DataFrame) -> pd.DataFrame:
    """Several task sets of one suite: per seed keep the run with a suite average, most tasks."""
    ranked = runs.assign(_has=runs["suite_average"].notna()).sort_values(
        ["_has", "n_tasks", "created"], ascending=False, kind="stable")
    return ranked.drop_duplicates(["seed"]).drop(columns="_has")


def suite_tables(frame: pd.DataFrame) -> list[Table]:
    """Table 3: each suite's recorded ``suite_average`` (null when a suite task is missing)."""
    tables = []
    frame = full_data_runs(frame)
    if not frame.empty:  # a suite named by its task list (tasks:a+b) has no suite average
        frame = frame[~frame["suite"].map(is_task_set)]
    keys = ["backbone", "backbone_fingerprint", "budget_key"]
    for i, (_, scale_runs) in enumerate(_scales(frame, keys)):
        suites = suite_order(scale_runs["suite"])
        identities = method_identities(scale_runs)
        variants = method_order(scale_runs["variant"], identities)
        rows = {v: scale_runs[scale_runs["variant"] == v] for v in variants}
        labels = {v: method_label(v, identities) for v in variants}
        columns = []
        for suite in suites:
            def value(run: pd.Series, suite: str = suite) -> float:
                return run["suite_average"] if run["suite"] == suite else math.nan
            columns.append((Column(f"suite:{suite}", suite, "score",
                                   "suite_average from the records: null if a task is missing"),
                            value))
        rows = {v: pd.concat([_best_per_seed(g) for _, g in r.groupby("suite")])
                for v, r in rows.items()}
        table = _build(
            kind="suites", slug=_slug("suites", str(i)), title="Per-suite averages",
            caption="Mean of the suite's task scores as recorded; a suite with a missing task "
                    "has no average and shows —.",
            scale_runs=scale_runs, rows=rows, row_labels=labels, columns=columns,
        )
        tables.append(_fill_suite_notes(table, rows))
    return tables


def _fill_suite_notes(table: Table, rows: dict[str, pd.DataFrame]) -> Table:
    for row, runs in rows.items():
        for column in table.columns:
            cell = table.cell(row, column.key)
            suite = column.key.split(":", 1)[1]
            mine = runs[runs["suite"] == suite]
            if cell.n == 0 and not mine.empty:
                note = "suite_average is null: a task of the suite is missing"
                table.cells.loc[row, column.key] = replace(cell, note=note)
    return table


def adaptation_tables(frame: pd.DataFrame) -> list[Table]:
    """Table 4: rows are ``budget.train_fraction``, columns methods, cells the task average."""
    tables = []
    keys = ["suite", "tasks_key", "backbone", "backbone_fingerprint", "budget_key_no_fraction"]
    for i, (_, scale_runs) in enumerate(_scales(frame, keys)):
        fractions = sorted(set(scale_runs["train_fraction"]))
        if fractions == [1.0]:
            continue
        tasks = task_order(scale_runs["tasks"].iloc[0])
        identities = method_identities(scale_runs)
        variants = method_order(scale_runs["variant"], identities)
        average = _task_average(tasks)
        columns = []
        for variant in variants:
            def value(run: pd.Series, variant: str = variant, average: ValueFn = average) -> float:
                return average(run) if run["variant"] == variant else math.nan
            columns.append((Column(f"method:{variant}", method_label(variant, identities), "score"),
                            value))
        rows = {f"{f:g}": scale_runs[scale_runs["train_fraction"] == f] for f in fractions}
        labels = {f"{f:g}": fmt_fraction(f) for f in fractions}
        suite = str(scale_runs["suite"].iloc[0])
        table = _build(
            kind="adaptation", slug=_slug("adaptation", suite, str(i)),
            title=f"Domain adaptation with a fraction of the training data ({suite})",
            caption=f"Cells: mean score over {', '.join(tasks)} per seed, then mean ± std.",
            scale_runs=scale_runs, rows=rows, row_labels=labels, columns=columns, tasks=tasks,
            suite=suite,
        )
        budget = {k: v for k, v in table.scale.budget.items() if k != "train_fraction"}
        table.scale = replace(table.scale, budget=budget)
        tables.append(table)
    return tables


FIDELITY_SETTINGS = ("fidelity", "model_selection")
"""What ``--fidelity reference`` changes in the budget (``benchmark/training/fidelity.py``)."""


def _without_fidelity(budget: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in budget.items() if k not in FIDELITY_SETTINGS},
                      sort_keys=True, default=str)


def fidelity_tables(frame: pd.DataFrame) -> list[Table]:
    """The two modes side by side: every method run both ways at one otherwise equal scale,
    with the paired difference reference − project per method (an ablation of the
    deviations from the reference code, docs/camtl.md)."""
    if frame.empty:
        return []
    frame = frame.assign(_mode=[b.get("fidelity", "project") for b in frame["budget"]],
                         _scale=[_without_fidelity(b) for b in frame["budget"]])
    keys = ["suite", "tasks_key", "backbone", "backbone_fingerprint", "_scale"]
    tables = []
    for i, (_, scale_runs) in enumerate(_scales(frame, keys)):
        if set(scale_runs["_mode"]) != {"project", "reference"}:
            continue
        identities = method_identities(scale_runs)
        tasks = task_order(scale_runs["tasks"].iloc[0])
        rows, labels, pairs = {}, {}, []
        for method in method_order(scale_runs["method"], identities):
            mine = scale_runs[scale_runs["method"] == method]
            if set(mine["_mode"]) != {"project", "reference"}:
                continue
            for mode in ("project", "reference"):
                rows[f"{method}@{mode}"] = mine[mine["_mode"] == mode]
                labels[f"{method}@{mode}"] = f"{method_label(method, identities)} · {mode}"
            pairs.append((f"{method}@reference", f"{method}@project"))
        if not rows:
            continue
        suite = str(scale_runs["suite"].iloc[0])
        columns = [*_score_columns(tasks, scale_runs), _average_column(tasks), _data_column()]
        table = _build(
            kind="fidelity", slug=_slug("fidelity", suite, str(i)),
            title=f"Reference-faithful mode against this project's defaults ({suite} dev)",
            caption="Each method run both ways on one budget: --fidelity reference ("
                    + "; ".join(REFERENCE_CHOICES) + ") and the project's defaults.",
            scale_runs=scale_runs, rows=rows, row_labels=labels, columns=columns, tasks=tasks,
            suite=suite,
        )
        budget = {k: v for k, v in table.scale.budget.items() if k not in FIDELITY_SETTINGS}
        table.scale = replace(table.scale, budget=budget)
        table.pairs = pairs
        tables.append(table)
    return tables


def paper_tables(frame: pd.DataFrame) -> list[Table]:
    """All the tables, in the paper's order, then the fidelity comparison."""
    return [
        *ablation_tables(frame),
        *comparison_tables(frame),
        *suite_tables(frame),
        *adaptation_tables(frame),
        *fidelity_tables(frame),
    ]
