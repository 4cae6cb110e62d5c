"""Composite suites (``mrqa``, ``24-task``, ``26-task``) read from ``suites.yaml``.

The paper counts its task sets by benchmark ("24 tasks" has RTE under GLUE and under
SuperGLUE); ``counted_tasks`` applies that rule to any set of a run's tasks, so a claim about
"24 tasks" can say how many of them a run covered. The rule follows the declared includes,
never a task's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

SUITES_FILE = "suites.yaml"


@dataclass(frozen=True)
class CompositeSuite:
    """One declared suite: its parts (included suites, or itself), how the paper counts it,
    and whether its list is a reconstruction."""

    name: str
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    """(part name, its tasks) in order: included suites, or the suite's own task list."""
    diagnostics: tuple[str, ...]
    counted_as: int | None
    reconstructed: bool
    note: str

    @property
    def tasks(self) -> tuple[str, ...]:
        """Distinct tasks in declaration order: a task shared by two parts is trained once."""
        return tuple(dict.fromkeys(t for _, tasks in self.parts for t in tasks))

    def counted_tasks(self, present: Iterable[str]) -> int:
        """The paper's count of ``present`` tasks: per part, the part's tasks among them."""
        have = set(present)
        return sum(len(have.intersection(tasks)) for _, tasks in self.parts)

    def missing(self, present: Iterable[str]) -> tuple[str, ...]:
        have = set(present)
        return tuple(t for t in self.tasks if t not in have)


def read_declarations() -> dict[str, dict[str, Any]]:
    """The raw declarations of ``suites.yaml`` shipped with the package."""
    text = resources.files("benchmark.tasks").joinpath(SUITES_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def build_composites(
    declarations: Mapping[str, Mapping[str, Any]],
    suite_tasks: Callable[[str], tuple[str, ...]],
    suite_diagnostics: Callable[[str], tuple[str, ...]],
) -> list[CompositeSuite]:
    """Resolve includes in file order (a suite may include one declared above it)."""
    built: dict[str, CompositeSuite] = {}
    for name, entry in declarations.items():
        unknown = set(entry) - {"tasks", "include", "counted_as", "reconstructed", "note"}
        if unknown or ("tasks" in entry) == ("include" in entry):
            raise ValueError(f"suite {name!r} in {SUITES_FILE}: give tasks or include, and "
                             f"only counted_as, reconstructed and note besides ({unknown})")
        if "tasks" in entry:
            parts = ((name, tuple(entry["tasks"])),)
            diagnostics: tuple[str, ...] = ()
        else:
            parts, diagnostics = (), ()
            for part in entry["include"]:
                if part in built:
                    parts += built[part].parts
                    diagnostics += built[part].diagnostics
                else:
                    parts += ((part, suite_tasks(part)),)
                    diagnostics += suite_diagnostics(part)
        built[name] = CompositeSuite(name, parts, tuple(dict.fromkeys(diagnostics)),
                                     entry.get("counted_as"), bool(entry.get("reconstructed")),
                                     str(entry.get("note", "")))
    return list(built.values())
