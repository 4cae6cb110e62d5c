"""Errors a user can fix. The CLI prints their message and exits with code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

USER_ERROR_EXIT_CODE = 2


class BenchmarkError(Exception):
    """A problem with the user's input or environment, worded so they can fix it."""


class UnknownNameError(BenchmarkError):
    """A suite, task, method, sampler or profile name that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(set(known))
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(f"unknown {kind} {name!r}.{hint} Known {kind}s: {', '.join(known)}.")
        self.kind, self.name, self.known = kind, name, known


class DataError(BenchmarkError):
    """A data file that cannot be read as its task declares; names file, line and field."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path, self.line = path, line


class MissingDataError(BenchmarkError):
    """Tasks whose files are not where the loader looked; lists them all at once."""


class TrainingError(BenchmarkError):
    """Training that cannot go on (a NaN loss, an empty training set)."""
