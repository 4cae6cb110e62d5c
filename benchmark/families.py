"""The families a method belongs to, in the order reports show them.

Kept free of torch so reports can order rows without importing the models.
"""

from __future__ import annotations

METHOD_FAMILIES: tuple[str, ...] = ("single-task", "adapter", "multi-task", "camtl", "ablation")
"""Every method declares one of these (``Method.family``); reports list rows in this order."""


def family_rank(family: str | None) -> int:
    """Position of ``family`` in report order; undeclared or unknown families come last."""
    return METHOD_FAMILIES.index(family) if family in METHOD_FAMILIES else len(METHOD_FAMILIES)
