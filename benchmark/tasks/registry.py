"""The task and suite registry: built-in GLUE/SuperGLUE/NLI declarations plus user tasks.

A suite lists the tasks that are trained and averaged; its diagnostics (eval-only
tasks predicted with another task's model) are listed apart, so a runner that
iterates ``get_suite`` never tries to train on AX.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.errors import UnknownNameError
from benchmark.formats.base import CLASSIFICATION_METRICS as CLASSIFICATION_METRICS
from benchmark.formats.base import REGRESSION_METRICS as REGRESSION_METRICS
from benchmark.formats.registry import builtin_formats, format_of
from benchmark.tasks.composite import CompositeSuite, build_composites, read_declarations
from benchmark.tasks.spec import TaskSpec

_TASKS: dict[str, TaskSpec] = {}
_SUITES: dict[str, tuple[str, ...]] = {}
_DIAGNOSTICS: dict[str, tuple[str, ...]] = {}
_BUILTIN_SUITES = ("glue", "superglue", "glue+superglue", "scitail", "snli", "wnut17")
_COMPOSITES: dict[str, CompositeSuite] = {}
"""The suites of ``suites.yaml`` (``mrqa``, ``24-task``, ``26-task``), also built in."""
_loaded = False

_NAME = re.compile(r"^[a-z][a-z0-9_.+-]*$")


def __getattr__(name: str) -> object:
    """``STRUCTURED_METRICS``: {built-in format: the metrics it allows whatever the task type}
    (MultiRC's f1a/em, ReCoRD's f1/em, AX-g's parity, COPA's accuracy), read from the formats."""
    if name == "STRUCTURED_METRICS":
        return {n: f.metrics for n, f in builtin_formats().items() if f.metrics is not None}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ensure_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from benchmark.tasks.glue import GLUE_DIAGNOSTICS, GLUE_SUITE, GLUE_TASKS
    from benchmark.tasks.mrqa import MRQA_TASKS
    from benchmark.tasks.ner import NER_TASKS
    from benchmark.tasks.nli import NLI_TASKS
    from benchmark.tasks.superglue import (
        SUPERGLUE_DIAGNOSTICS,
        SUPERGLUE_SUITE,
        SUPERGLUE_TASKS,
    )

    for spec in GLUE_TASKS + SUPERGLUE_TASKS:
        register_task(spec)
    register_suite("glue", GLUE_SUITE, GLUE_DIAGNOSTICS)
    register_suite("superglue", SUPERGLUE_SUITE, SUPERGLUE_DIAGNOSTICS)
    combined = GLUE_SUITE + tuple(t for t in SUPERGLUE_SUITE if t not in GLUE_SUITE)
    register_suite("glue+superglue", combined, GLUE_DIAGNOSTICS + SUPERGLUE_DIAGNOSTICS)
    for spec in NLI_TASKS:
        register_task(spec)
        register_suite(spec.suite, (spec.name,))
    for spec in NER_TASKS + MRQA_TASKS:
        register_task(spec)
        register_suite(spec.suite, (spec.name,))
    for composite in build_composites(read_declarations(), get_suite, get_suite_diagnostics):
        register_suite(composite.name, composite.tasks, composite.diagnostics)
        _COMPOSITES[composite.name] = composite


def validate_task(spec: TaskSpec) -> None:
    """Refuse a declaration the loaders or metrics could not serve (ValueError); a format
    name that is not registered is an ``UnknownNameError`` listing the known formats."""
    fmt = format_of(spec)
    problems = []
    if not _NAME.match(spec.name):
        problems.append("name must be lower-case letters, digits and _.+- , starting with a letter")
    if spec.task_type not in ("classification", "regression", "multiple_choice"):
        problems.append(f"unknown task_type {spec.task_type!r}")
    else:
        problems += fmt.problems(spec)
    if spec.task_type == "classification" and (not spec.labels or len(spec.labels) < 2):
        problems.append("a classification task needs at least two labels")
    if spec.labels and len(set(spec.labels)) != len(spec.labels):
        problems.append("labels repeat")
    if not spec.metrics:
        problems.append("no metrics")
    allowed = fmt.allowed_metrics(spec)
    bad = [m for m in spec.metrics if m not in allowed]
    if bad:
        problems.append(f"metrics {bad} do not fit a {spec.task_type} task "
                        f"(allowed: {', '.join(sorted(allowed))})")
    if "f1" in spec.metrics and spec.task_type == "classification" and len(spec.labels or ()) != 2:
        problems.append("f1 needs exactly two labels (the second is the positive class); "
                        "use macro_f1")
    if spec.local is None and spec.hub is None:
        problems.append("no local or Hub source")
    for split in spec.eval_splits:
        if split not in spec.splits:
            problems.append(f"eval split {split!r} is not one of its splits")
    if spec.evaluated_with is not None and "train" in spec.splits:
        problems.append("a diagnostic task (evaluated_with) has no train split")
    if problems:
        raise ValueError(f"task {spec.name!r}: " + "; ".join(problems))


def register_task(spec: TaskSpec, *, replace: bool = False) -> None:
    """Add a task; a second task with the same name is refused unless ``replace``."""
    if spec.name in _TASKS and not replace:
        raise ValueError(f"task {spec.name!r} is already registered")
    validate_task(spec)
    _TASKS[spec.name] = spec


def register_suite(name: str, tasks: tuple[str, ...], diagnostics: tuple[str, ...] = ()) -> None:
    """Add or replace a suite; every task must be registered (built-in suites are fixed)."""
    built_in = name in _BUILTIN_SUITES or name in _COMPOSITES
    if name in _SUITES and built_in and _loaded and _SUITES[name] != tasks:
        raise ValueError(f"suite {name!r} is built in and cannot be changed")
    for task in tasks + diagnostics:
        if task not in _TASKS:
            raise UnknownNameError("task", task, _TASKS)
    _SUITES[name] = tuple(tasks)
    _DIAGNOSTICS[name] = tuple(diagnostics)


def composite_suite(name: str | None) -> CompositeSuite | None:
    """The declaration of a composite suite (``24-task``: its parts and counting rule);
    None for other suites and for names that are not suites."""
    _ensure_builtins()
    return _COMPOSITES.get(name or "")


def get_task(name: str) -> TaskSpec:
    _ensure_builtins()
    if name not in _TASKS:
        raise UnknownNameError("task", name, _TASKS)
    return _TASKS[name]


def task_names() -> list[str]:
    """All registered tasks, built-ins first in benchmark order."""
    _ensure_builtins()
    return list(_TASKS)


def get_suite(name: str) -> tuple[str, ...]:
    """The suite's trained and averaged tasks (no diagnostics)."""
    _ensure_builtins()
    if name not in _SUITES:
        raise UnknownNameError("suite", name, _SUITES)
    return _SUITES[name]


def get_suite_diagnostics(name: str) -> tuple[str, ...]:
    """The suite's eval-only diagnostic tasks (``ax``; ``axb``, ``axg``)."""
    get_suite(name)
    return _DIAGNOSTICS[name]


def suite_names() -> list[str]:
    _ensure_builtins()
    return list(_SUITES)


def load_user_tasks(path: Path) -> list[TaskSpec]:
    """Read a user-task YAML file, validate it, register its tasks and suites."""
    from benchmark.tasks.user import parse_user_tasks

    _ensure_builtins()
    specs = parse_user_tasks(Path(path), existing=set(_TASKS))
    for spec in specs:
        register_task(spec)
    suites: dict[str, list[str]] = {}
    for spec in specs:
        suites.setdefault(spec.suite, []).append(spec.name)
    for suite, names in suites.items():
        previous = _SUITES.get(suite, ())
        register_suite(suite, previous + tuple(n for n in names if n not in previous))
    return specs
