"""The self-contained HTML report and leaderboard pages (jinja2, autoescape always on).

Everything a page needs is inside the file: CSS, the small sorting script, and the
figures as base64 PNG data URIs, so it opens from disk or an e-mail attachment.
Record text only ever reaches the page through autoescaped expressions.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from benchmark.results.frame import ResultSet
from benchmark.stats import DEFAULT_RESAMPLES
from reports.adaptation import adaptation_tables
from reports.annotate import annotated_tables
from reports.cells import Cell
from reports.claims import ClaimResult, check_claims
from reports.evidence import BOOTSTRAP_SEED
from reports.exports import footnotes
from reports.forgetting import cell_text, forgetting_tables
from reports.labels import MISSING
from reports.leaderboard import COLUMNS as LEADERBOARD_COLUMNS
from reports.leaderboard import leaderboard
from reports.plots import (
    Figure,
    learning_curves,
    sampling_shares,
    score_vs_parameters,
    task_scores,
)
from reports.provenance import collect
from reports.table_model import Table, budget_summary, short_backbone


def environment() -> Environment:
    """The one jinja2 environment: autoescape on for every template, undefined is an error."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["data_uri"] = lambda png: "data:image/png;base64," + base64.b64encode(png).decode()
    env.filters["num"] = _number_attr
    env.filters["sort_value"] = _sort_value
    env.globals["per_seed_lines"] = per_seed_lines
    env.filters["short_backbone"] = short_backbone
    env.filters["budget_summary"] = budget_summary
    env.globals["cell_text"] = cell_text  # the Forgetting table's cells
    return env


def _number_attr(value: float) -> str:
    """Full-precision number for data attributes (tests compare these with the records)."""
    return "" if value is None or math.isnan(value) else repr(float(value))


def _sort_value(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.10g}"


def per_seed_lines(table: Table) -> list[dict[str, Any]]:
    """The per-seed rows of a table as display text, for the collapsible block."""
    lines = []
    for (row, seed), line in table.per_seed.iterrows():
        values = [
            Cell((float(line[c.key]),), (int(seed),), c.kind, 1).value_text()
            if not pd.isna(line[c.key]) else MISSING
            for c in table.columns
        ]
        lines.append({"label": table.row_labels[row], "seed": seed, "run_id": line["run_id"],
                      "values": values})
    return lines


def _records_for(table: Table, rows: Sequence[str], result: ResultSet) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for (row, _seed), line in table.per_seed.iterrows():
        if row not in rows:
            continue
        for run_id in str(line["run_id"]).split(","):
            if run_id in result.records:
                groups.setdefault(table.row_labels[row], []).append(result.records[run_id])
    return groups


def _uses_uncertainty(records: list[dict]) -> bool:
    sampler = records[0]["training"].get("sampler", "").lower()
    return "uncertain" in sampler or records[0]["method"].startswith("camtl")


def _figures(table: Table, result: ResultSet) -> list[Figure]:
    """Figures drawn from one table (comparison and ablation tables only)."""
    if table.kind not in ("comparison", "ablation"):
        return []
    found = [task_scores(table)]
    if table.kind == "comparison":
        found.insert(0, score_vs_parameters(table))
        groups = _records_for(table, table.rows, result)
        shares = {k: v for k, v in groups.items() if _uses_uncertainty(v)}
        found += [sampling_shares(shares, table.slug), learning_curves(groups, table.slug)]
    return [f for f in found if f is not None]


def _definitions(result: ResultSet) -> dict[str, list[str]]:
    params = sorted({r["parameters"]["definition"] for r in result.records.values()})
    data = sorted({r["data_usage"]["definition"] for r in result.records.values()})
    return {"parameters": params, "data used": data}


def render_report(
    result: ResultSet, title: str = "camtl-bench report", figures: bool = True
) -> str:
    """The full report: claims checklist, paper tables with intervals, figures, provenance."""
    pairs = annotated_tables(result)
    tables = [t for t, _ in pairs]
    evidence = {t.slug: a.evidence for t, a in pairs if a}
    claims: list[ClaimResult] = check_claims(tables, evidence, result)
    sections = []
    for table, extra in pairs:
        shown = extra.table if extra else table
        sections.append({
            "table": shown, "notes": footnotes(shown), "annotated": extra,
            "figures": _figures(table, result) if figures else [], "id": table.slug,
        })
    frame = result.frame
    context: dict[str, Any] = {
        "title": title,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "sources": result.sources,
        "n_runs": len(frame),
        "methods": sorted(set(frame["method"])) if not frame.empty else [],
        "problems": result.problems,
        "claims": claims,
        "sections": sections,
        "definitions": _definitions(result),
        "provenance": collect(result.records.values()),
        "forgetting": forgetting_tables(result),
        "adaptation": adaptation_tables(result),
    }
    return environment().get_template("report.html.j2").render(**context)


def render_leaderboard(result: ResultSet, title: str = "camtl-bench leaderboard") -> str:
    """A sortable page: one row per configuration, every results folder given, grouped by
    scale with shared ranks on 95% intervals and the trivial predictor's row."""
    context: Mapping[str, Any] = {
        "title": title,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "sources": result.sources,
        "n_runs": len(result.frame),
        "problems": result.problems,
        "columns": LEADERBOARD_COLUMNS,
        "groups": leaderboard(result),
        "resamples": DEFAULT_RESAMPLES,
        "bootstrap_seed": BOOTSTRAP_SEED,
        "provenance": collect(result.records.values()),
    }
    return environment().get_template("leaderboard.html.j2").render(**context)
