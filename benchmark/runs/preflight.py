"""Read the first rows of every split a run will read, before training and in a dry run.

They go through the readers the run uses, so a missing column, a wrong header or a label
outside the task's label set stops the command at once, not after the first model has
trained (diagnostics and test files are read only after training).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

from benchmark.data.files import read_rows
from benchmark.data.loading import local_file, resolve_data_dir
from benchmark.data.readers import RowContext
from benchmark.formats.registry import format_of
from benchmark.runs.extras import diagnostic_tasks
from benchmark.runs.inputs import splits_read
from benchmark.runs.settings import Settings
from benchmark.runs.spec import RunSpec
from benchmark.tasks.registry import get_task
from benchmark.tasks.spec import TaskSpec

FORMATS_LOGGER = "benchmark.formats"
"""Parent of the built-in formats' loggers, quietened while the first rows are read."""
FIRST_ROWS = 50
"""Rows read per split: enough to meet the header and the label set, cheap on any file."""


def read_first_rows(task: TaskSpec, split: str, data_dir: Path | None,
                    rows: int = FIRST_ROWS) -> int:
    """Run the first ``rows`` rows of a local split through the task's format (as
    ``load_split`` reads them); returns how many were read. Hub splits are not read here.
    An unknown format name is the registry's error, listing the known ones."""
    path = local_file(task, split, data_dir)
    if path is None or not path.is_file() or task.local is None:
        return 0
    fmt = format_of(task)
    columns = task.local.columns.get(split) or task.local.columns.get("*")
    records = read_rows(path, task.local.format, task.local.header, columns)
    count = 0
    formats_log = logging.getLogger(FORMATS_LOGGER)
    level = formats_log.level
    formats_log.setLevel(logging.ERROR)  # warnings (a realigned WSC span) come with the run
    try:
        for position, (line, record) in enumerate(islice(records, rows)):
            fmt.read(record, RowContext(task, split, str(path), line, position, {}))
            count += 1
    finally:
        formats_log.setLevel(level)
        close = getattr(records, "close", None)
        if close is not None:
            close()
    return count


def tasks_read(specs: Sequence[RunSpec]) -> list[TaskSpec]:
    """The trained tasks and the diagnostics scored with them, once each."""
    found: dict[str, TaskSpec] = {}
    for spec in specs:
        trained = [get_task(name) for name in spec.tasks]
        for task in trained + diagnostic_tasks(spec.suite, spec.tasks):
            found.setdefault(task.name, task)
    return list(found.values())


def check_first_rows(settings: Settings, specs: Sequence[RunSpec]) -> None:
    """Raise the reader's ``DataError`` (file, line, field) for a bad row near the top of any
    split the run reads; test splits count when ``--predict-test`` writes their files."""
    data_dir = resolve_data_dir(settings.data_dir)
    for task in tasks_read(specs):
        splits = list(splits_read(task))
        if settings.predict_test:
            splits += [s for s in task.test_splits if s not in splits]
        for split in splits:
            read_first_rows(task, split, data_dir)
