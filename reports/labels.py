"""Names, order and number formats the tables share, so every output reads the same way.

Method rows are labelled and ordered from what their records carry (``method_label``,
``method_family``); the names listed here only serve records written before those fields.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmark.families import family_rank

if TYPE_CHECKING:
    import pandas as pd

LEGACY_METHODS: dict[str, tuple[str, str]] = {
    "stl": ("Single-task fine-tuning", "single-task"),
    "houlsby": ("Houlsby adapters", "adapter"),
    "mtl": ("Standard MTL", "multi-task"),
    "camtl": ("CA-MTL", "camtl"),
    "camtl-large": ("CA-MTL (large variant)", "camtl"),
    "ablation-mtl": ("Ablation: standard MTL", "ablation"),
    "ablation-ca": ("Ablation: + conditional attention", "ablation"),
    "ablation-ca-adapter": ("Ablation: + conditional adapter", "ablation"),
    "ablation-ca-adapter-cln": ("Ablation: + conditional layer norm", "ablation"),
}
"""(label, family) of the built-in methods, only for records written before records carried
``method_label`` and ``method_family``; every newer record names its own."""

ABLATION_LADDER = (
    "ablation-mtl",
    "ablation-ca",
    "ablation-ca-adapter",
    "ablation-ca-adapter-cln",
    "camtl",
)
"""The rows of the paper's Table 1, in its order: each rung adds one component to the one
above. This is the table's definition; other ablation-family methods follow its rungs."""

LADDER_LABELS = {
    "ablation-mtl": "Standard MTL",
    "ablation-ca": "+ conditional attention",
    "ablation-ca-adapter": "+ conditional adapter",
    "ablation-ca-adapter-cln": "+ conditional layer norm",
    "camtl": "+ MT-Uncertainty (= CA-MTL)",
}
"""How Table 1 words its rungs (relative to the row above)."""


@dataclass(frozen=True)
class MethodIdentity:
    """How a method's rows are labelled and where they sit, as its records say."""

    label: str
    family: str | None


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


def _present(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def legacy_identity(method: str) -> MethodIdentity:
    """A record without ``method_label``/``method_family``: built-ins by name, else the name."""
    label, family = LEGACY_METHODS.get(method, (method, None))
    if family is None and method.startswith("ablation-"):
        family = "ablation"  # the naming convention of ablation rungs before families existed
    return MethodIdentity(label, family)


def method_identities(frame: pd.DataFrame) -> dict[str, MethodIdentity]:
    """Per method variant: the label and family its records carry (legacy: fallbacks)."""
    found: dict[str, dict[str, str]] = {}
    methods: dict[str, str] = {}
    columns = [frame[c] if c in frame else [None] * len(frame)
               for c in ("variant", "method", "method_label", "method_family")]
    for variant, method, label, family in zip(*columns, strict=True):
        methods.setdefault(variant, method)
        seen = found.setdefault(variant, {})
        if _present(label):
            seen.setdefault("label", label)
        if _present(family):
            seen.setdefault("family", family)
    identities = {}
    for variant, method in methods.items():
        fallback = legacy_identity(method)
        seen = found[variant]
        identities[variant] = MethodIdentity(seen.get("label", fallback.label),
                                             seen.get("family", fallback.family))
    return identities


def method_order(variants: Iterable[str], identities: Mapping[str, MethodIdentity]) -> list[str]:
    """By family (single-task, adapter, multi-task, camtl, ablation, then others), then name."""
    def key(variant: str) -> tuple:
        return (family_rank(identities[variant].family), variant.split("#")[0], variant)
    return sorted(set(variants), key=key)


def ladder_order(variants: Iterable[str], identities: Mapping[str, MethodIdentity]) -> list[str]:
    """Table 1's rungs in ladder order, then any other variants in ``method_order``."""
    rank = {name: i for i, name in enumerate(ABLATION_LADDER)}
    rungs = sorted((v for v in set(variants) if v.split("#")[0] in rank),
                   key=lambda v: (rank[v.split("#")[0]], v))
    return rungs + method_order((v for v in variants if v not in rungs), identities)


def suite_order(suites: Iterable[str]) -> list[str]:
    """GLUE, SuperGLUE, then larger or custom task sets alphabetically."""
    rank = {name: i for i, name in enumerate(SUITE_ORDER)}
    return sorted(set(suites), key=lambda s: (rank.get(s.lower(), len(rank)), s))


def method_label(
    variant: str, identities: Mapping[str, MethodIdentity], ladder: bool = False
) -> str:
    """The label of a method row, from its records; Table 1 words its rungs its own way."""
    base, _, tag = variant.partition("#")
    label = identities[variant].label
    if ladder:
        label = LADDER_LABELS.get(base, label)
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
