"""Names, order and number formats the tables share, so every output reads the same way."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

COMPARISON_METHODS = ("stl", "houlsby", "mtl", "camtl", "camtl-large")
"""Rows of the method comparison, in the paper's order; other methods follow as extra rows."""

ABLATION_LADDER = (
    "ablation-mtl",
    "ablation-ca",
    "ablation-ca-adapter",
    "ablation-ca-adapter-cln",
    "camtl",
)
"""Rows of the ablation: each rung adds one component to the one above."""

METHOD_LABELS = {
    "stl": "Single-task fine-tuning",
    "houlsby": "Houlsby adapters",
    "mtl": "Standard MTL",
    "camtl": "CA-MTL",
    "camtl-large": "CA-MTL (large variant)",
    "ablation-mtl": "Ablation: standard MTL",
    "ablation-ca": "Ablation: + conditional attention",
    "ablation-ca-adapter": "Ablation: + conditional adapter",
    "ablation-ca-adapter-cln": "Ablation: + conditional layer norm",
}

LADDER_LABELS = {
    "ablation-mtl": "Standard MTL",
    "ablation-ca": "+ conditional attention",
    "ablation-ca-adapter": "+ conditional adapter",
    "ablation-ca-adapter-cln": "+ conditional layer norm",
    "camtl": "+ MT-Uncertainty (= CA-MTL)",
}

SUITE_ORDER = ("glue", "superglue")

_TASK_ORDER = (
    "cola", "mnli", "mnlim", "mnlimm", "mrpc", "qnli", "qqp", "rte", "sst2", "stsb", "wnli",
    "boolq", "cb", "copa", "multirc", "record", "wic", "wsc", "axb", "axg", "snli", "scitail",
)
"""GLUE then SuperGLUE in their usual column order; unknown tasks follow alphabetically."""

MISSING = "—"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def task_order(tasks: Iterable[str]) -> list[str]:
    """Tasks in the paper's column order (case and punctuation ignored)."""
    rank = {name: i for i, name in enumerate(_TASK_ORDER)}
    return sorted(set(tasks), key=lambda t: (rank.get(_norm(t), len(rank)), _norm(t), t))


def method_order(
    methods: Iterable[str], preferred: Iterable[str] = COMPARISON_METHODS
) -> list[str]:
    """Known methods in ``preferred`` order, then plugins' methods alphabetically."""
    rank: dict[str, int] = {}
    for name in preferred:
        rank.setdefault(name, len(rank))
    return sorted(set(methods), key=lambda m: (rank.get(m.split("#")[0], len(rank)), m))


def suite_order(suites: Iterable[str]) -> list[str]:
    """GLUE, SuperGLUE, then larger or custom task sets alphabetically."""
    rank = {name: i for i, name in enumerate(SUITE_ORDER)}
    return sorted(set(suites), key=lambda s: (rank.get(s.lower(), len(rank)), s))


def method_label(variant: str, ladder: bool = False) -> str:
    """Human label of a method row; unknown (plugin) names are shown as they are."""
    base, _, tag = variant.partition("#")
    labels = LADDER_LABELS if ladder else METHOD_LABELS
    label = labels.get(base, base)
    return f"{label} (variant {tag})" if tag else label


def fmt_number(value: float | None, digits: int = 1) -> str:
    """A fixed-point number, or the missing mark for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value:.{digits}f}"


def fmt_count(value: float | None) -> str:
    """Parameter counts the way papers print them: 110.1M, 894.5K."""
    if value is None or math.isnan(value):
        return MISSING
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def fmt_fraction(value: float) -> str:
    """A training-data fraction as a percentage without trailing zeros (0.001 -> 0.1%)."""
    return f"{value * 100:.4g}%"
