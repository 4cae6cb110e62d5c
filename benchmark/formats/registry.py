"""The task format registry: built-in shapes register on import, plugins by entry point.

Built-in formats are classes decorated with ``@register_format`` in the modules of
``BUILTIN_MODULES``. A third-party package adds a format the way it adds a method: an entry
point in the group ``camtl_bench.formats`` whose name is the format's name and whose value
is a ``TaskFormat`` subclass (or instance). A plugin that fails to load is reported by name
and does not hide the others; a task naming it then fails with that error.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, entry_points
from importlib.metadata import version as metadata_version
from typing import TYPE_CHECKING, TypeVar

from benchmark.errors import BenchmarkError, UnknownNameError
from benchmark.formats.base import TaskFormat

if TYPE_CHECKING:
    from benchmark.tasks.spec import TaskSpec

log = logging.getLogger(__name__)

FORMAT_ENTRY_POINT_GROUP = "camtl_bench.formats"
BUILTIN_MODULES = (
    "benchmark.formats.fields",
    "benchmark.formats.pairs",
    "benchmark.formats.spans",
    "benchmark.formats.choice",
    "benchmark.formats.record",
    "benchmark.formats.multirc",
    "benchmark.formats.majority",
    "benchmark.formats.tokens",
    "benchmark.formats.span_qa",
)
_NAME = re.compile(r"^[a-z][a-z0-9_.+-]*$")

_FORMATS: dict[str, TaskFormat] = {}
_BUILTIN: set[str] = set()


@dataclass(frozen=True)
class FormatPlugin:
    """One entry point of the group: where it came from, and its error if it did not load."""

    name: str
    target: str
    distribution: str
    error: str | None


_PLUGINS: dict[str, FormatPlugin] | None = None
_builtins_loaded = False

F = TypeVar("F", bound="type[TaskFormat] | TaskFormat")


def _instance(candidate: type[TaskFormat] | TaskFormat) -> TaskFormat:
    if isinstance(candidate, type) and issubclass(candidate, TaskFormat):
        return candidate()
    if isinstance(candidate, TaskFormat):
        return candidate
    raise TypeError(f"{candidate!r} is not a benchmark.formats.TaskFormat subclass or instance")


def register_format(candidate: F) -> F:
    """Register a format class (usable as a decorator) or instance under its ``name``.

    A second, different format with a taken name is refused; registering the same class
    again (a module imported twice) is a no-op.
    """
    fmt = _instance(candidate)  # type: ignore[arg-type]
    if not _NAME.match(fmt.name or ""):
        raise ValueError(f"task format {type(fmt).__name__}: name {fmt.name!r} must be "
                         "lower-case letters, digits and _.+- , starting with a letter")
    current = _FORMATS.get(fmt.name)
    if current is not None and type(current) is not type(fmt):
        raise ValueError(f"task format {fmt.name!r} is already registered "
                         f"({type(current).__module__}.{type(current).__qualname__})")
    if current is None:
        _FORMATS[fmt.name] = fmt
    return candidate


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    _BUILTIN.update(n for n, f in _FORMATS.items() if type(f).__module__ in BUILTIN_MODULES)


def _load_plugins() -> dict[str, FormatPlugin]:
    global _PLUGINS
    if _PLUGINS is not None:
        return _PLUGINS
    _load_builtins()
    _PLUGINS = {}
    for ep in entry_points(group=FORMAT_ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown"
        error = None
        try:
            if ep.name in _BUILTIN:
                raise ValueError(f"{ep.name!r} is a built-in task format; choose another name")
            fmt = _instance(ep.load())
            if fmt.name != ep.name:
                raise ValueError(f"the entry point is named {ep.name!r} but the format's "
                                 f"name is {fmt.name!r}; make them equal")
            register_format(fmt)
        except Exception as exc:  # a broken plugin must not break the others
            error = f"{type(exc).__name__}: {exc}"
            log.warning("task format plugin %r (%s) failed to load: %s", ep.name, dist, error)
        _PLUGINS[ep.name] = FormatPlugin(ep.name, ep.value, dist, error)
    return _PLUGINS


def reload_plugins() -> None:
    """Forget the plugin formats and read the entry points again on next use (tests, and
    after installing a package in a running interpreter)."""
    global _PLUGINS
    plugins = _PLUGINS or {}
    for name in plugins:
        if name not in _BUILTIN:
            _FORMATS.pop(name, None)
    _PLUGINS = None


def format_release(name: str) -> dict[str, str] | None:
    """``{"distribution", "version"}`` of the plugin package providing format ``name``; None
    for a built-in format or one registered in code (no package to name)."""
    _load_builtins()
    if name in _BUILTIN:
        return None
    plugin = _load_plugins().get(name)
    if plugin is None or plugin.error is not None:
        return None
    try:
        version = metadata_version(plugin.distribution)
    except PackageNotFoundError:
        version = "unknown"
    return {"distribution": plugin.distribution, "version": version}


def format_names() -> list[str]:
    """Every usable format, built-ins first."""
    _load_plugins()
    return sorted(_BUILTIN) + sorted(set(_FORMATS) - _BUILTIN)


def builtin_formats() -> dict[str, TaskFormat]:
    """The formats that ship with the harness (no plugin discovery)."""
    _load_builtins()
    return {name: _FORMATS[name] for name in sorted(_BUILTIN)}


def format_plugins() -> dict[str, FormatPlugin]:
    """The entry points found in the group, with their load errors."""
    return dict(_load_plugins())


def get_format(name: str) -> TaskFormat:
    """The registered format ``name``; an unknown or broken one is a ``BenchmarkError``."""
    _load_builtins()
    if name in _FORMATS:
        return _FORMATS[name]
    plugins = _load_plugins()
    if name in _FORMATS:
        return _FORMATS[name]
    plugin = plugins.get(name)
    if plugin is not None and plugin.error is not None:
        raise BenchmarkError(
            f"task format {name!r} from {plugin.distribution} ({plugin.target}) failed to "
            f"load: {plugin.error}. Fix or uninstall that package; other formats still work."
        )
    raise UnknownNameError("task format", name, _FORMATS)


def format_of(task: TaskSpec) -> TaskFormat:
    """The format a task declares (its ``reader``)."""
    return get_format(task.reader)
