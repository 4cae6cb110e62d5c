"""The paper's tables from the runs frame, one table per scale, every cell across seeds.

A *scale* is what must be equal for numbers to be compared side by side (suite,
backbone and its fingerprint, budget), so a smoke run and a full run never share a
table. Inside a table, a row is a method (and its task set) and its runs are seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from benchmark.tasks.suite_naming import is_task_set
from reports.cells import Column
from reports.fidelity_tables import fidelity_tables
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
from reports.table_build import (
    ValueFn,
    average_column,
    build_table,
    column_value,
    data_column,
    multiple_of_backbone,
    scales,
    score_columns,
    slug,
    task_average,
    task_spread,
)
from reports.table_model import Table


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
    for i, (_, scale_runs) in enumerate(scales(frame, SCALE_KEYS)):
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
        columns = [*score_columns(tasks, runs), average_column(tasks),
                   (spread, task_spread(tasks)), data_column()]
        tables.append(build_table(
            kind="ablation", slug=slug("ablation", suite, str(i)),
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
    for i, (_, scale_runs) in enumerate(scales(frame, SCALE_KEYS)):
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
             column_value("params_total_to_serve")),
            (Column("params_total_x", "× backbone", "multiple",
                    "total_to_serve / backbone parameters"), multiple_of_backbone),
            (Column("params_trained_pct", "Trained / task (%)", "percent",
                    "parameters.trained_per_task_ratio × 100: trainable / T, over backbone"),
             column_value("params_trained_per_task_ratio", 100.0)),
        ]
        columns = [*params, *score_columns(tasks, runs), average_column(tasks), data_column()]
        tables.append(build_table(
            kind="comparison", slug=slug("comparison", suite, str(i)),
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
    for i, (_, scale_runs) in enumerate(scales(frame, keys)):
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
        table = build_table(
            kind="suites", slug=slug("suites", str(i)), title="Per-suite averages",
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
    for i, (_, scale_runs) in enumerate(scales(frame, keys)):
        fractions = sorted(set(scale_runs["train_fraction"]))
        if fractions == [1.0]:
            continue
        tasks = task_order(scale_runs["tasks"].iloc[0])
        identities = method_identities(scale_runs)
        variants = method_order(scale_runs["variant"], identities)
        average = task_average(tasks)
        columns = []
        for variant in variants:
            def value(run: pd.Series, variant: str = variant, average: ValueFn = average) -> float:
                return average(run) if run["variant"] == variant else math.nan
            columns.append((Column(f"method:{variant}", method_label(variant, identities), "score"),
                            value))
        rows = {f"{f:g}": scale_runs[scale_runs["train_fraction"] == f] for f in fractions}
        labels = {f"{f:g}": fmt_fraction(f) for f in fractions}
        suite = str(scale_runs["suite"].iloc[0])
        table = build_table(
            kind="adaptation", slug=slug("adaptation", suite, str(i)),
            title=f"Domain adaptation with a fraction of the training data ({suite})",
            caption=f"Cells: mean score over {', '.join(tasks)} per seed, then mean ± std.",
            scale_runs=scale_runs, rows=rows, row_labels=labels, columns=columns, tasks=tasks,
            suite=suite,
        )
        budget = {k: v for k, v in table.scale.budget.items() if k != "train_fraction"}
        table.scale = replace(table.scale, budget=budget)
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
