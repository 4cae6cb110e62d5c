"""User tasks: a small YAML file that points at local tsv/csv/jsonl files.

Every problem is reported as a ``DataError`` naming the YAML file, the line of the
offending key and what would be accepted, so a typo never becomes a silent default.
See ``docs/tasks.md`` and ``examples/user_task/tasks.yaml``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from benchmark.errors import BenchmarkError, DataError
from benchmark.formats.base import TaskFormat
from benchmark.formats.registry import get_format
from benchmark.tasks.spec import LocalSource, TaskSpec

KEYS = {
    "name", "description", "display_name", "suite", "type", "files", "format", "header",
    "columns", "text_fields", "label_field", "labels", "metrics", "reader",
}
REQUIRED = ("name", "files", "text_fields", "label_field")
SPLITS = ("train", "dev", "test")
RESERVED_SUITES = {"glue", "superglue", "glue+superglue"}

_DECLARED_AT: dict[tuple[str, str], str] = {}
"""(task, split) -> ``tasks.yaml:7``: where a user task's file is declared, for messages."""


def declared_at(task: str, split: str) -> str | None:
    """``path:line`` of the YAML entry naming the split's file, for user tasks; else None."""
    return _DECLARED_AT.get((task, split))


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so ``labels: [no, yes]`` stays two strings."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))


def _line(root: yaml.Node | None, path: Iterable[Any]) -> int | None:
    """1-based line of the YAML node at ``path`` (keys and list indices), best effort."""
    node = root
    for key in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


class _Task:
    """One task entry being validated, with its location for messages."""

    def __init__(self, path: Path, root: yaml.Node | None, prefix: list[Any],
                 entry: Mapping[str, Any]) -> None:
        self.path, self.root, self.prefix, self.entry = path, root, prefix, entry
        self.label = f"task {entry.get('name', '#' + str(prefix[-1] if prefix else 0))!r}"

    def error(self, key: str | None, message: str) -> DataError:
        path = self.prefix + ([key] if key else [])
        field = f" field '{key}':" if key else ""
        return DataError(f"{self.label}:{field} {message}", str(self.path),
                         _line(self.root, path))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if key not in self.entry:
            if key in REQUIRED:
                raise self.error(None, f"missing required field '{key}'")
            return default
        value = self.entry[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            names = kind.__name__ if isinstance(kind, type) else " or ".join(
                k.__name__ for k in kind)
            raise self.error(key, f"expected {names}, found {value!r}")
        return value

    def strings(self, key: str, default: Any = None) -> tuple[str, ...] | None:
        value = self.get(key, (list, str), default)
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not items or not all(isinstance(v, str | int) and not isinstance(v, bool)
                                for v in items):
            raise self.error(key, f"expected a non-empty list of names, found {value!r}")
        return tuple(str(v) for v in items)


def _format(task: _Task, reader: str) -> TaskFormat:
    """The task format ``reader`` names, or the registry's message at the YAML line."""
    try:
        return get_format(reader)
    except BenchmarkError as exc:
        raise task.error("reader", str(exc)) from None


def _default_type(fmt: TaskFormat, labels: tuple[str, ...] | None) -> str | None:
    """Classification when labels are given; else the format's only task type, if one."""
    if labels and "classification" in fmt.task_types:
        return "classification"
    if len(fmt.task_types) == 1 and fmt.task_types[0] != "classification":
        return fmt.task_types[0]
    return None


def _build(task: _Task, base: Path, existing: set[str]) -> TaskSpec:
    not_text = [k for k in task.entry if not isinstance(k, str)]
    if not_text:
        raise task.error(None, f"the field name {not_text[0]!r} is "
                         f"{type(not_text[0]).__name__}, not text; known fields: "
                         f"{', '.join(sorted(KEYS))}")
    unknown = sorted(set(task.entry) - KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(KEYS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        known = ", ".join(sorted(KEYS))
        raise task.error(unknown[0], f"unknown field{hint}; known fields: {known}")
    name = task.get("name", str)
    if name in existing:
        raise task.error("name", f"a task named {name!r} is already registered")
    files = task.get("files", dict)
    bad_splits = sorted(set(files) - set(SPLITS))
    if bad_splits:
        raise task.error("files", f"unknown split {bad_splits[0]!r} (use {', '.join(SPLITS)})")
    for split in ("train", "dev"):
        if split not in files:
            raise task.error("files", f"missing the {split!r} file")
    if not all(isinstance(v, str) and v for v in files.values()):
        raise task.error("files", "each split maps to a file path")
    suffixes = {Path(v).suffix.lstrip(".").lower() for v in files.values()}
    fmt = task.get("format", str, suffixes.pop() if len(suffixes) == 1 else None)
    if fmt not in ("tsv", "csv", "jsonl"):
        raise task.error("format", f"format {fmt!r} is not tsv, csv or jsonl (set 'format')")
    header = task.get("header", bool, True)
    columns = task.strings("columns")
    if not header and fmt != "jsonl" and not columns:
        raise task.error("columns", "header: false needs the column names in 'columns'")
    reader = task.get("reader", str, "fields")
    shape = _format(task, reader)
    labels = task.strings("labels")
    task_type = task.get("type", str, _default_type(shape, labels))
    if task_type not in shape.task_types:
        options = ["'labels' (classification)"] if "classification" in shape.task_types else []
        options += [f"'type: {t}'" for t in shape.task_types if t != "classification"]
        raise task.error("type", f"set {' or '.join(options)} (task format {reader!r})")
    if task_type == "regression" and labels:
        raise task.error("labels", "a regression task has no labels")
    metrics = task.strings("metrics") or shape.default_metrics(task_type)
    text_fields = task.strings("text_fields")
    assert text_fields is not None
    if columns:
        for key, wanted in (("text_fields", text_fields), ("label_field",
                                                           (task.get("label_field", str),))):
            missing = [c for c in wanted if c not in columns]
            if missing:
                raise task.error(key, f"column {missing[0]!r} is not in columns {list(columns)}")
    suite = task.get("suite", str, "user")
    if suite in RESERVED_SUITES:
        raise task.error("suite", f"suite {suite!r} is built in; choose another name")
    return TaskSpec(
        name=name,
        suite=suite,
        task_type=task_type,
        text_fields=text_fields,
        label_field=task.get("label_field", str),
        labels=labels,
        metrics=metrics,
        main_score="/".join(m.replace("_", " ") for m in metrics),
        splits=tuple(s for s in SPLITS if s in files),
        local=LocalSource(
            folder=str(base),
            files={s: files[s] for s in SPLITS if s in files},
            format=fmt,  # type: ignore[arg-type]
            header=header,
            columns={"*": columns} if columns else {},
        ),
        hub=None,
        reader=reader,
        description=task.get("description", str, ""),
        display_name=task.get("display_name", str, ""),
    )


def parse_user_tasks(path: Path, existing: set[str] | None = None) -> list[TaskSpec]:
    """Validate a user-task YAML file into task specs (not registered here)."""
    from benchmark.tasks.registry import validate_task

    existing = set(existing or ())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read user task file: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8",
                        str(path)) from None
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(f"invalid YAML: {getattr(exc, 'problem', exc)}", str(path),
                        mark.line + 1 if mark else None) from None
    if isinstance(data, Mapping) and "tasks" in data:
        entries, prefix = data["tasks"], ["tasks"]
    else:
        entries, prefix = [data], []
        root = yaml.SequenceNode("tag:yaml.org,2002:seq", [root]) if root is not None else None
    if not isinstance(entries, list) or not entries:
        raise DataError("expected a mapping with a non-empty 'tasks' list, or one task mapping",
                        str(path), 1)
    specs = []
    for i, entry in enumerate(entries):
        location = prefix + [i]
        task = _Task(path, root, location, entry if isinstance(entry, Mapping) else {})
        if not isinstance(entry, Mapping):
            raise task.error(None, "expected a mapping of task fields")
        spec = _build(task, path.parent.resolve(), existing)
        try:
            validate_task(spec)
        except ValueError as exc:
            raise task.error(None, str(exc).removeprefix(f"task {spec.name!r}: ")) from None
        for split in spec.splits:
            line = _line(root, [*location, "files", split])
            _DECLARED_AT[(spec.name, split)] = f"{path}:{line}" if line else str(path)
        existing.add(spec.name)
        specs.append(spec)
    return specs
