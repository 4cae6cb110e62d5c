"""What every task format needs to read one raw record (a tsv row, a jsonl object).

The shapes themselves (fields, marked spans, choices, ...) are task formats in
``benchmark.formats``; this module holds the row context and the checked field access
they share. Every format sees records in the local file layout (the Hub loader reshapes
Hub rows to it first), so one code path checks both sources. Faults raise ``DataError``
naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmark.errors import DataError
from benchmark.tasks.spec import TaskSpec


@dataclass(frozen=True)
class RowContext:
    """Where a record came from, for error messages and example ids."""

    task: TaskSpec
    split: str
    path: str
    line: int | None
    position: int
    stats: dict[str, int] = field(default_factory=dict, compare=False)
    """Counts a format keeps while reading a split and reports after it (``TaskFormat.report``)."""

    def error(self, message: str, field: str | None = None) -> DataError:
        where = f"field '{field}': " if field else ""
        return DataError(f"{self.task.name} {self.split}: {where}{message}", self.path, self.line)

    @property
    def labelled_split(self) -> bool:
        """Test splits may lack labels; train and dev splits must have them."""
        return self.split not in self.task.test_splits


_MISSING = object()


def get_field(record: Mapping[str, Any], name: str, ctx: RowContext, kind: type | None = None,
              default: Any = _MISSING, where: str = "") -> Any:
    """``record[name]`` with dotted paths (``target.span1_index``) and a type check.

    ``where`` prefixes the field in messages (``passage.questions[2]``).
    """
    label = f"{where}.{name}" if where else name
    value: Any = record
    for part in [name] if name in record else name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            if default is not _MISSING:
                return default
            raise ctx.error(missing_field(value, ctx, top=value is record), label)
        value = value[part]
    if kind is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if kind is not None and (not isinstance(value, kind) or
                             (kind is int and isinstance(value, bool))):
        raise ctx.error(f"expected {kind.__name__}, found {value!r}", label)
    return value


def _looks_like_data(names: list[str], ctx: RowContext) -> bool:
    """A header row holding a label, a number or a sentence was probably the first example."""
    labels = set(ctx.task.labels or ())
    def data_like(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return cell in labels or " " in cell.strip()
    return any(data_like(n) for n in names)


def missing_field(found: Any, ctx: RowContext, top: bool = True) -> str:
    """Why a field is missing, with the fields the row has; for a csv/tsv file read with a
    header, the header it came from (and whether that line looked like data instead)."""
    if not isinstance(found, Mapping):
        return "missing"
    names = [str(k) for k in found]
    local = ctx.task.local
    tabular = top and local is not None and local.format in ("tsv", "csv") and \
        not ctx.path.startswith("hf://")
    if not tabular:
        return f"missing (the row's fields: {', '.join(names) or 'none'})"
    assert local is not None
    if local.columns.get(ctx.split) or local.columns.get("*"):
        return f"missing from the declared columns ({', '.join(names)})"
    message = f"missing; the file's columns (its header line) are {', '.join(names)}"
    if _looks_like_data(names, ctx):
        message += (
            ". That first line looks like data, not a header: if the file has no header row, "
            "declare header: false and the column names in columns"
        )
    return message


def source_index(record: Mapping[str, Any], ctx: RowContext) -> int | str:
    """The row's own id (``idx``, ``index`` or QQP's ``id``), else its position."""
    for key in ("idx", "index", "id"):
        if key in record and not isinstance(record[key], Mapping):
            value = record[key]
            if isinstance(value, str) and value.isdigit():
                return int(value)
            return value
    return ctx.position


def _label_string(raw: Any) -> str:
    if isinstance(raw, bool):
        return "True" if raw else "False"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def read_label(record: Mapping[str, Any], ctx: RowContext) -> int | float | None:
    """The class index (classification) or value (regression) of a record."""
    task = ctx.task
    if task.label_field is None:
        return None
    raw = get_field(record, task.label_field, ctx, default=None)
    if raw is None or (isinstance(raw, str) and raw == "" and not ctx.labelled_split):
        if ctx.labelled_split:
            absent = task.label_field not in record and "." not in task.label_field
            why = missing_field(record, ctx) if absent else "missing"
            raise ctx.error(why.replace("missing", "missing label", 1), task.label_field)
        return None
    if task.task_type == "regression":
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ctx.error(f"expected a number, found {raw!r}", task.label_field) from None
        if value != value:
            raise ctx.error("label is NaN", task.label_field)
        return value
    assert task.labels is not None
    text = _label_string(raw)
    if text not in task.labels:
        raise ctx.error(
            f"label {text!r} is not one of {', '.join(repr(x) for x in task.labels)}",
            task.label_field,
        )
    return task.labels.index(text)


def text_field(record: Mapping[str, Any], name: str, ctx: RowContext, where: str = "") -> str:
    """``record[name]`` that must be text (a number or a list there is a ``DataError``)."""
    value = get_field(record, name, ctx, where=where)
    if not isinstance(value, str):
        raise ctx.error(f"expected text, found {value!r}", f"{where}.{name}" if where else name)
    return value


def choice_label(record: Mapping[str, Any], ctx: RowContext, n: int) -> int | None:
    """The index of the right choice among ``n``; None on an unlabelled test row."""
    raw = record.get("label")
    if raw is None:
        if ctx.labelled_split:
            raise ctx.error("missing label", "label")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < n:
        raise ctx.error(f"expected a choice index 0..{n - 1}, found {raw!r}", "label")
    return raw
