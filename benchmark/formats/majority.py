"""``majority``: ``fields`` minus the rows whose label says no annotator majority (SNLI).

SNLI's official files keep pairs whose five annotators reached no majority, with
``gold_label`` ``-`` (the Hub copy: class index -1, read as no label). The standard practice
drops them from training and evaluation and says how many were dropped: ``read`` counts
them in ``RowContext.stats`` under ``NO_MAJORITY`` and ``report`` logs the count.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext
from benchmark.formats.fields import FieldsFormat
from benchmark.formats.registry import register_format
from benchmark.tasks.spec import TaskSpec

log = logging.getLogger(__name__)

NO_MAJORITY_LABEL = "-"
NO_MAJORITY = "dropped_no_majority"
"""``RowContext.stats`` key: rows dropped because their label is ``-`` (or absent on the Hub)."""


@register_format
class MajorityFormat(FieldsFormat):
    """One row per record; a row without a majority label is dropped and counted."""

    name = "majority"
    description = "fields, minus rows whose label is '-' (no annotator majority), counted"
    task_types = ("classification",)

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        field = ctx.task.label_field
        if field is not None and field in record and record[field] in (NO_MAJORITY_LABEL, None):
            ctx.stats[NO_MAJORITY] = ctx.stats.get(NO_MAJORITY, 0) + 1
            return []
        return super().read(record, ctx)

    def report(self, task: TaskSpec, split: str, stats: Mapping[str, int]) -> None:
        if stats.get(NO_MAJORITY):
            log.info("%s %s: dropped %d rows without a majority label ('%s')", task.name,
                     split, stats[NO_MAJORITY], NO_MAJORITY_LABEL)
