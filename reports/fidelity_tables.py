"""The reference-faithful mode against the project's defaults: one table per scale where
methods ran both ways (``--fidelity reference``, benchmark/training/fidelity.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd

from benchmark.training.fidelity import REFERENCE_CHOICES
from reports.labels import method_identities, method_label, method_order, task_order
from reports.table_build import (
    average_column,
    build_table,
    data_column,
    scales,
    score_columns,
    slug,
)
from reports.table_model import Table

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
    for i, (_, scale_runs) in enumerate(scales(frame, keys)):
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
        columns = [*score_columns(tasks, scale_runs), average_column(tasks), data_column()]
        table = build_table(
            kind="fidelity", slug=slug("fidelity", suite, str(i)),
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
