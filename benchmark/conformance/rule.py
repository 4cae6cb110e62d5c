"""A conformance rule: a named check of one registered method, and how it fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmark.conformance.context import ConformanceContext


class ConformanceFailure(Exception):
    """A method broke a rule; the message says what was expected, what was found, and the fix."""


@dataclass(frozen=True)
class Rule:
    """``check(method_name, context)`` returns when the method follows the rule."""

    name: str
    check: Callable[[str, ConformanceContext], None]
    why: str
    """One line: what breaks in the harness or the reports when a method breaks the rule."""
    needs: tuple[str, ...] = ()
    """Rules that must pass first; when one fails this rule is skipped, not failed again."""
