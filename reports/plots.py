"""Matplotlib figures for the report, returned as PNG bytes so the HTML can inline them.

Record text (method and task names) goes into figures as literal text: ``$`` would
start mathtext and a leading ``_`` hides a legend entry, so labels are made safe.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from reports.table_model import Table  # noqa: E402

MAX_PANELS = 4
"""Figures with one panel per configuration show at most this many (largest first)."""


@dataclass(frozen=True)
class Figure:
    """A rendered figure: PNG bytes plus the text the HTML puts around it."""

    slug: str
    title: str
    caption: str
    png: bytes


def safe_label(text: str) -> str:
    """Text from records shown literally by matplotlib (no mathtext, no hidden legend)."""
    text = text.replace("$", r"\$")
    return "\u200b" + text if text.startswith("_") else text


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def pareto_front(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both axes (fewer parameters, higher score), by x."""
    front: list[tuple[float, float]] = []
    for x, y in sorted(points, key=lambda p: (p[0], -p[1])):
        if not front or y > front[-1][1]:
            front.append((x, y))
    return front


def score_vs_parameters(table: Table) -> Figure | None:
    """Average score against trained parameters per task, with the Pareto front."""
    points = []
    for row in table.rows:
        avg, params = table.cell(row, "average"), table.cell(row, "params_trained_pct")
        if avg.n and params.n and params.mean > 0:
            points.append((table.row_labels[row], params.mean, avg.mean, avg.std, avg.marker))
    if not points:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label, x, y, err, marker in points:
        ax.errorbar(x, y, yerr=None if math.isnan(err) else err, fmt="o", capsize=3,
                    label=safe_label(label + (f" ({marker})" if marker else "")))
    front = pareto_front((x, y) for _, x, y, _, _ in points)
    ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="grey",
            linestyle="--", linewidth=1)
    ax.scatter([p[0] for p in front], [p[1] for p in front], s=180, facecolors="none",
               edgecolors="grey", linewidths=1.2, label="Pareto front", zorder=3)
    ax.set_xscale("log")
    ticks = sorted({x for _, x, _, _, _ in points})
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}%"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.margins(x=0.15, y=0.12)
    ax.set_xlabel("trained parameters per task (% of backbone, log scale)")
    ax.set_ylabel("average score (0-100)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return Figure(f"pareto-{table.slug}", f"Score against trained parameters — {table.title}",
                  table.scale.short(), _png(fig))


def task_scores(table: Table) -> Figure | None:
    """Per-task scores as grouped bars, error bars = std across seeds."""
    tasks = [c for c in table.columns if c.key.startswith("score:")]
    rows = table.rows
    if not tasks or not rows:
        return None
    fig, ax = plt.subplots(figsize=(max(6.4, 1.2 * len(tasks) + 2), 4.2))
    width = 0.8 / len(rows)
    x = np.arange(len(tasks))
    for i, row in enumerate(rows):
        cells = [table.cell(row, c.key) for c in tasks]
        means = [c.mean for c in cells]
        errs = [0.0 if math.isnan(c.std) else c.std for c in cells]
        ax.bar(x + i * width - 0.4 + width / 2, means, width, yerr=errs, capsize=2,
               label=safe_label(table.row_labels[row]))
    ax.set_xticks(x, [safe_label(c.label) for c in tasks])
    ax.set_ylabel("score (0-100), error bar = std over seeds")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=min(len(rows), 3), loc="upper center", bbox_to_anchor=(0.5, -0.1))
    return Figure(f"tasks-{table.slug}", f"Per-task scores — {table.title}",
                  table.scale.short(), _png(fig))


def window_counts(runs: Iterable[Iterable[int]], edges: Sequence[int]) -> list[int]:
    """Steps of run-length ``[[first step, count], ...]`` inside each window ``[a, b)`` of edges.

    Interval arithmetic, nothing allocated per step: a run's length costs nothing,
    however large the record says it is.
    """
    windows = list(zip(edges[:-1], edges[1:], strict=True))
    counts = [0] * len(windows)
    for start, length in runs:
        first, end = int(start), int(start) + int(length)
        for i, (a, b) in enumerate(windows):
            counts[i] += max(0, min(end, b) - max(first, a))
    return counts


def task_shares(record: Mapping[str, Any], bins: int = 20) -> pd.DataFrame:
    """Each task's share of the task slots per window of training (rows: window start step).

    The windows span the steps the schedule holds (steps count from 1), never a step
    count the record merely claims.
    """
    schedule = record["training"].get("task_schedule") or {}
    runs = [(int(start), int(length)) for entries in schedule.values() for start, length in entries]
    if not runs:
        return pd.DataFrame()
    last = max(start + length - 1 for start, length in runs)
    if last < 1:
        return pd.DataFrame()
    bins = min(bins, last)
    edges = [int(e) for e in np.linspace(1, last + 1, bins + 1)]
    counts = {task: window_counts(entries, edges) for task, entries in schedule.items()}
    frame = pd.DataFrame(counts, index=pd.Index(edges[:-1], name="step"), dtype=float)
    totals = frame.sum(axis=1).replace(0, np.nan)
    return frame.div(totals, axis=0).fillna(0.0)


def sampling_shares(
    groups: Mapping[str, list[Mapping[str, Any]]], key: str = ""
) -> Figure | None:
    """MT-Uncertainty's share of each task over training, mean over seeds, one panel per config."""
    panels = []
    for label, records in list(groups.items())[:MAX_PANELS]:
        shares = [task_shares(r) for r in records]
        shares = [s for s in shares if not s.empty]
        if shares:
            panels.append((label, pd.concat(shares).groupby(level=0).mean(), len(shares)))
    if not panels:
        return None
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 2.6 * len(panels)), squeeze=False)
    for ax, (label, share, n) in zip(axes[:, 0], panels, strict=True):
        ax.stackplot(share.index, share.T.values, labels=[safe_label(t) for t in share.columns],
                     step="post")
        ax.set_title(safe_label(f"{label} (mean of {n} seed{'s' if n > 1 else ''})"), fontsize=9)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of task slots")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    axes[-1, 0].set_xlabel("training step")
    return Figure(f"sampling-shares-{key}".rstrip("-"),
                  "MT-Uncertainty: each task's share over training",
                  "From training.task_schedule: per window of steps, the steps a task was in the "
                  "batch over all tasks' steps in the batch.", _png(fig))


def _curve(records: list[Mapping[str, Any]], tasks: list[str]) -> pd.DataFrame:
    """Mean and std over seeds of (average score, loss) per step.

    Per-task models (single-task fine-tuning) log one entry per model and step, each
    with its own task's score: entries of one step are merged, and the average is
    drawn only at steps where every task has a score.
    """
    rows = []
    for record in records:
        by_step: dict[Any, tuple[dict[str, Any], list[float]]] = {}
        for entry in record.get("history") or []:
            scores, losses = by_step.setdefault(entry.get("step"), ({}, []))
            scores.update(entry.get("main_scores") or {})
            if entry.get("train_loss") is not None:
                losses.append(float(entry["train_loss"]))
        for step, (scores, losses) in by_step.items():
            values = [scores.get(t) for t in tasks]
            complete = bool(values) and all(v is not None for v in values)
            rows.append({"seed": record["seed"], "step": step,
                         "avg": float(np.mean(values)) if complete else np.nan,
                         "loss": float(np.mean(losses)) if losses else np.nan})
    frame = pd.DataFrame(rows, columns=["seed", "step", "avg", "loss"]).dropna(subset=["step"])
    frame[["avg", "loss"]] = frame[["avg", "loss"]].astype(float)
    return frame.groupby("step")[["avg", "loss"]].agg(["mean", "std"])


def learning_curves(
    groups: Mapping[str, list[Mapping[str, Any]]], key: str = ""
) -> Figure | None:
    """Average dev score and training loss against step, mean ± std over seeds per method."""
    curves = []
    for label, records in groups.items():
        curve = _curve(records, list(records[0]["tasks"]))
        if len(curve) >= 2:  # one evaluation (evaluations_per_epoch 0) draws no curve
            curves.append((label, curve))
    if not curves:
        return None
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6), sharex=True)
    for label, curve in curves:
        for ax, value in ((top, "avg"), (bottom, "loss")):
            mean, std = curve[(value, "mean")], curve[(value, "std")].fillna(0.0)
            line, = ax.plot(curve.index, mean, marker=".", label=safe_label(label))
            ax.fill_between(curve.index, mean - std, mean + std, alpha=0.15,
                            color=line.get_color())
    top.set_ylabel("average dev score")
    bottom.set_ylabel("training loss")
    bottom.set_xlabel("training step")
    top.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    return Figure(f"learning-curves-{key}".rstrip("-"), "Learning curves",
                  "history: average main score over the run's tasks and training loss at each "
                  "evaluation; band = std over seeds.", _png(fig))
