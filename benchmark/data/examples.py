"""The one shape every task's data takes after loading, whatever its file format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Example:
    """One scored unit of a task.

    Exactly one of ``texts`` (the segments of a single row: classification and
    regression) and ``choices`` (one tuple of segments per candidate: COPA, ReCoRD)
    is set. ``label`` is the class index, the regression value or the index of the
    correct choice; ``None`` where the split has no labels (test). ``group`` ties
    examples that are scored together (a MultiRC question, a ReCoRD query, an AX-g
    minimal pair). ``meta`` keeps what predictions files and metrics need: the
    source ``idx``, ReCoRD's entities and gold answers, MultiRC's answer ids.
    """

    uid: str
    texts: tuple[str, ...] | None
    choices: tuple[tuple[str, ...], ...] | None = None
    label: int | float | None = None
    group: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.texts is None) == (self.choices is None):
            raise ValueError(f"example {self.uid}: set exactly one of texts and choices")

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        """The rows the encoder sees: one for texts, one per choice."""
        return (self.texts,) if self.texts is not None else self.choices  # type: ignore[return-value]

    @property
    def has_label(self) -> bool:
        return self.label is not None


def example_units(examples: Sequence[Example]) -> dict[object, list[int]]:
    """Positions per unit: a group (a MultiRC question's answers) or a lone example. Subsets,
    held-out slices and split cuts take whole units, so no group is split between parts."""
    units: dict[object, list[int]] = {}
    for position, example in enumerate(examples):
        key = example.group if example.group is not None else ("row", position)
        units.setdefault(key, []).append(position)
    return units
