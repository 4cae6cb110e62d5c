"""Test-set prediction files in the formats the GLUE and SuperGLUE servers accept.

GLUE (gluebenchmark.com): one ``<Task>.tsv`` per task (``MNLI-m.tsv``/``MNLI-mm.tsv``,
``AX.tsv``) with the header ``index\\tprediction`` and the label strings of the task's
files (``entailment``; ``0``/``1`` for CoLA, SST-2, MRPC, QQP, WNLI; STS-B scores
with three decimals, clipped to 0..5). SuperGLUE (super.gluebenchmark.com): one
``<Task>.jsonl`` per task, ``{"idx": .., "label": ..}`` per line: strings for the
classification tasks (``true``/``false`` for BoolQ and WiC, ``True``/``False`` for
WSC), the choice index for COPA, the entity string per query for ReCoRD, and one
line per passage with nested questions and 0/1 answer labels for MultiRC. The task's
format writes the cells and lines (``TaskFormat.tsv_value``, ``TaskFormat.jsonl_lines``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.atomic import atomic_write_text, remove_stale_temp_files
from benchmark.data.examples import Example
from benchmark.formats.registry import format_of
from benchmark.tasks.spec import Submission, TaskSpec


def submission_for(task: TaskSpec, server: str | None = None) -> Submission:
    """The task's submission format for ``server`` (default: its first server)."""
    for submission in task.submissions:
        if server is None or submission.server == server:
            return submission
    known = ", ".join(s.server for s in task.submissions) or "none"
    raise ValueError(f"task {task.name!r} has no {server or 'leaderboard'} submission format "
                     f"(servers: {known})")


def write_test_predictions(
    task: TaskSpec,
    examples: Sequence[Example],
    predictions: Sequence[Any],
    out_dir: Path,
    *,
    split: str = "test",
    server: str | None = None,
) -> Path:
    """Write one server-ready file; ``predictions`` hold the class index, value or choice
    index per example (ReCoRD also takes the entity string). Returns the file's path."""
    if len(predictions) != len(examples):
        raise ValueError(f"{len(predictions)} predictions for {len(examples)} examples")
    submission = submission_for(task, server)
    if split not in submission.files:
        raise ValueError(f"{task.name}: no {submission.server} file for split {split!r} "
                         f"(splits: {', '.join(submission.files)})")
    out_dir = Path(out_dir)
    remove_stale_temp_files(out_dir)
    path = out_dir / submission.files[split]
    fmt = format_of(task)
    if submission.server == "glue":
        body = "".join(f"{ex.meta['idx']}\t{fmt.tsv_value(task, p)}\n"
                       for ex, p in zip(examples, predictions, strict=True))
        text = "index\tprediction\n" + body
    else:
        text = "".join(json.dumps(line) + "\n"
                       for line in fmt.jsonl_lines(task, submission, examples, predictions))
    return atomic_write_text(path, text)
