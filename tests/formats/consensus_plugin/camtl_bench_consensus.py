"""A task format from a third-party package (test plugin), registered by entry point.

SNLI's official files keep rows whose ``gold_label`` is ``-`` (no annotator majority);
the standard practice drops them and says how many. The shape is otherwise ``fields``.
A second entry point of the same distribution names a class that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext
from benchmark.formats.fields import FieldsFormat

log = logging.getLogger(__name__)
NO_CONSENSUS = "-"


class ConsensusFormat(FieldsFormat):
    """One row per record; a row without a consensus label is dropped and counted."""

    name = "consensus"
    description = "fields, minus rows whose label is '-' (no annotator majority)"
    task_types = ("classification",)

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        if record.get(ctx.task.label_field) == NO_CONSENSUS:
            ctx.stats["no_consensus"] = ctx.stats.get("no_consensus", 0) + 1
            return []
        return super().read(record, ctx)

    def report(self, task, split, stats) -> None:  # noqa: ANN001 - the base class types it
        if stats.get("no_consensus"):
            log.warning("%s %s: dropped %d rows without a consensus label", task.name, split,
                        stats["no_consensus"])
