"""``fields``: one row per record, its text columns as they are (GLUE, BoolQ, CB, AX, AX-b,
user tasks); classification or regression."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext, read_label, source_index, text_field
from benchmark.formats.base import TaskFormat
from benchmark.formats.registry import register_format


def read_fields(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """The task's ``text_fields`` and label of one record, as one example."""
    idx = source_index(record, ctx)
    texts = tuple(text_field(record, name, ctx) for name in ctx.task.text_fields)
    return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", texts, None,
                    read_label(record, ctx), None, {"idx": idx})]


@register_format
class FieldsFormat(TaskFormat):
    """Text columns as they are, one row per record."""

    name = "fields"
    description = "one row of text columns per record; classification or regression"

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        return read_fields(record, ctx)
