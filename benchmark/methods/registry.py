"""Methods are found through one entry-point group; built-ins register the same way.

A plugin that fails to import is reported by name and does not hide the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, entry_points, version

from benchmark.errors import BenchmarkError, UnknownNameError
from benchmark.methods.interface import ENTRY_POINT_GROUP, Method

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MethodEntry:
    """One registered method: where it came from, and the class or the error loading it."""

    name: str
    target: str
    distribution: str
    method_class: type[Method] | None
    error: str | None


@lru_cache(maxsize=1)
def discover_methods() -> dict[str, MethodEntry]:
    """Load every entry point of the group once, keeping failures as entries with an error."""
    found: dict[str, MethodEntry] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown"
        try:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Method)):
                raise TypeError(f"{ep.value} is not a subclass of benchmark.methods.Method")
            error = None
        except Exception as exc:  # a broken plugin must not break the others
            cls, error = None, f"{type(exc).__name__}: {exc}"
            log.warning("method plugin %r (%s) failed to load: %s", ep.name, dist, error)
        found[ep.name] = MethodEntry(ep.name, ep.value, dist, cls, error)
    return dict(sorted(found.items()))


def get_method(name: str) -> Method:
    """Instantiate a registered method by name, with a did-you-mean for typos."""
    entries = discover_methods()
    entry = entries.get(name)
    if entry is None:
        raise UnknownNameError("method", name, entries)
    if entry.method_class is None:
        raise BenchmarkError(
            f"method {name!r} from {entry.distribution} ({entry.target}) failed to load: "
            f"{entry.error}. Fix or uninstall that package; other methods still work."
        )
    return entry.method_class()


def _version_of(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def method_provenance(name: str) -> dict[str, object]:
    """Which installed distribution (and version) provides ``name``, and its declared libraries.

    Recorded in every result so a table can say which plugin release produced a row; the
    distribution and version also enter the run id (a new plugin release is a new run).
    """
    entries = discover_methods()
    entry = entries.get(name)
    if entry is None:
        raise UnknownNameError("method", name, entries)
    declared = getattr(entry.method_class, "dependencies", ()) or ()
    return {
        "distribution": entry.distribution,
        "version": _version_of(entry.distribution),
        "dependencies": {dep: _version_of(dep) for dep in sorted(declared)},
    }
