"""What a rendered table is: its scale (what its numbers were measured at) and its cells.

Kept apart from ``reports.tables``, which builds the paper's tables, so that the
renderers (HTML, exports, plots, claims) depend on this small model only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from benchmark.tasks.registry import composite_suite
from reports.cells import Cell, Column

OPTIMISTIC_NOTE = "selected on the reported split (optimistic)"
"""Said by every table whose runs chose their checkpoint on the split they report."""


RECONSTRUCTED = "reconstructed task list"
"""The label of every table and claim on a suite the paper names but does not list."""


@dataclass(frozen=True)
class Scale:
    """What the numbers of one table were measured at."""

    backbone: str
    fingerprint: str
    budget: dict[str, Any]
    seeds: tuple[int, ...]
    suite: str | None = None
    tasks: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for captions and the claims checklist."""
        keys = ("epochs", "max_steps", "max_train_samples", "task_train_samples",
                "max_eval_samples", "batch_size",
                "max_length", "train_fraction", "precision", "model_selection", "fidelity")
        budget = ", ".join(
            f"{k}={self.budget[k]}" for k in keys if self.budget.get(k) is not None
        )
        if self.optimistic:
            budget += f" ({OPTIMISTIC_NOTE})"
        seeds = ", ".join(str(s) for s in self.seeds)
        fingerprint = self.fingerprint.removeprefix("sha256:")[:12]
        parts = [f"backbone {self.backbone} ({fingerprint})", f"budget: {budget}",
                 f"seeds: {seeds} ({len(self.seeds)})"]
        if self.suite is not None:
            parts.insert(0, f"suite {self.suite}{self.suite_label(long=True)}")
        return "; ".join(parts)

    def suite_label(self, long: bool = False) -> str:
        """" (reconstructed task list ...)" for a suite whose list the paper does not print
        (``24-task``, ``26-task``): what it counts and which of its tasks are missing."""
        composite = composite_suite(self.suite)
        if composite is None or not composite.reconstructed:
            return ""
        if not long:
            return f" ({RECONSTRUCTED})"
        missing = composite.missing(self.tasks) if self.tasks else ()
        gap = f"; missing here: {', '.join(missing)}" if missing else ""
        return f" ({RECONSTRUCTED}: {composite.note}{gap})"

    @property
    def optimistic(self) -> bool:
        """Selected on the split it reports (``best-dev``): its scores are an upper bound."""
        return self.budget.get("model_selection") == "best-dev"

    def short(self) -> str:
        """A compact form for narrow places; ``describe()`` goes in its tooltip."""
        return " · ".join(p for p in (
            (self.suite or "") + self.suite_label(), short_backbone(self.backbone),
            budget_summary(self.budget, False),
            f"{len(self.seeds)} seed{'s' if len(self.seeds) != 1 else ''}",
            OPTIMISTIC_NOTE if self.optimistic else "",
        ) if p)


def short_backbone(name: str) -> str:
    """The last path segment of a backbone name (hub id or folder)."""
    return name.rstrip("/").rsplit("/", 1)[-1] or name


def budget_summary(budget: dict[str, Any], learning_rate: bool = True) -> str:
    """Epochs, samples, batch, length, learning rate, fraction: the budget in one short line."""
    parts = []
    for key, fmt in (("epochs", "{} ep"), ("max_steps", "{} steps"),
                     ("max_train_samples", "{} train/task"), ("batch_size", "bs {}"),
                     ("max_length", "len {}"), ("learning_rate", "lr {}")):
        if key == "learning_rate" and not learning_rate:
            continue
        if budget.get(key) is not None:
            parts.append(fmt.format(budget[key]))
        if key == "max_train_samples" and budget.get("task_train_samples"):
            caps = ", ".join(f"{t} {n}" for t, n in sorted(budget["task_train_samples"].items()))
            parts.append(f"train caps: {caps}")
    fraction = budget.get("train_fraction", 1.0)
    if fraction is not None and fraction != 1.0:
        parts.append(f"{fraction * 100:g}% data")
    return ", ".join(parts)


@dataclass
class Table:
    """A paper-style table: ``cells`` holds one ``Cell`` per row and column.

    ``means()``, ``stds()`` and ``counts()`` give plain numeric DataFrames;
    ``per_seed`` has one row per (row, seed) with the run id and each column's value.
    """

    kind: str
    slug: str
    title: str
    caption: str
    scale: Scale
    columns: list[Column]
    row_labels: dict[str, str]
    cells: pd.DataFrame
    per_seed: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    """(row, other row) pairs whose paired difference the report shows; empty: every row
    against the reference row (``reports.annotate.REFERENCE_ROWS``)."""

    @property
    def rows(self) -> list[str]:
        return list(self.cells.index)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.loc[row, column]

    def means(self) -> pd.DataFrame:
        return self.cells.map(lambda c: c.mean).astype(float)

    def stds(self) -> pd.DataFrame:
        return self.cells.map(lambda c: c.std).astype(float)

    def counts(self) -> pd.DataFrame:
        return self.cells.map(lambda c: c.n).astype(int)

    def display(self) -> pd.DataFrame:
        """Display strings, rows labelled, columns by header text."""
        shown = self.cells.map(lambda c: c.text())
        shown.index = [self.row_labels[r] for r in shown.index]
        shown.columns = [c.label for c in self.columns]
        return shown
