"""Test-set prediction files in the formats the GLUE and SuperGLUE servers accept.

GLUE (gluebenchmark.com): one ``<Task>.tsv`` per task (``MNLI-m.tsv``/``MNLI-mm.tsv``,
``AX.tsv``) with the header ``index\\tprediction`` and the label strings of the task's
files (``entailment``; ``0``/``1`` for CoLA, SST-2, MRPC, QQP, WNLI; STS-B scores
with three decimals, clipped to 0..5). SuperGLUE (super.gluebenchmark.com): one
``<Task>.jsonl`` per task, ``{"idx": .., "label": ..}`` per line: strings for the
classification tasks (``true``/``false`` for BoolQ and WiC, ``True``/``False`` for
WSC), the choice index for COPA, the entity string per query for ReCoRD, and one
line per passage with nested questions and 0/1 answer labels for MultiRC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.atomic import atomic_write_text, remove_stale_temp_files
from benchmark.data.examples import Example
from benchmark.tasks.spec import Submission, TaskSpec


def submission_for(task: TaskSpec, server: str | None = None) -> Submission:
    """The task's submission format for ``server`` (default: its first server)."""
    for submission in task.submissions:
        if server is None or submission.server == server:
            return submission
    known = ", ".join(s.server for s in task.submissions) or "none"
    raise ValueError(f"task {task.name!r} has no {server or 'leaderboard'} submission format "
                     f"(servers: {known})")


def _glue_value(task: TaskSpec, prediction: Any) -> str:
    if task.task_type == "regression":
        return f"{min(max(float(prediction), 0.0), 5.0):.3f}"
    assert task.labels is not None
    return task.labels[int(prediction)]


def _superglue_lines(task: TaskSpec, submission: Submission, examples: Sequence[Example],
                     predictions: Sequence[Any]) -> list[dict[str, Any]]:
    if task.reader == "multirc":
        passages: dict[Any, dict[Any, list[dict[str, int]]]] = {}
        for ex, p in zip(examples, predictions, strict=True):
            questions = passages.setdefault(ex.meta["passage_idx"], {})
            questions.setdefault(ex.meta["question_idx"], []).append(
                {"idx": ex.meta["answer_idx"], "label": int(p)})
        return [{"idx": p_idx, "passage": {"questions": [
                    {"idx": q_idx, "answers": answers} for q_idx, answers in questions.items()]}}
                for p_idx, questions in passages.items()]
    lines = []
    for ex, p in zip(examples, predictions, strict=True):
        if task.reader == "record":
            label: Any = p if isinstance(p, str) else ex.meta["entities"][int(p)]
        elif task.task_type == "multiple_choice":
            label = int(p)
        else:
            assert task.labels is not None
            name = task.labels[int(p)]
            label = submission.label_names.get(name, name)
        lines.append({"idx": ex.meta["idx"], "label": label})
    return lines


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
    if submission.server == "glue":
        body = "".join(f"{ex.meta['idx']}\t{_glue_value(task, p)}\n"
                       for ex, p in zip(examples, predictions, strict=True))
        text = "index\tprediction\n" + body
    else:
        text = "".join(json.dumps(line) + "\n"
                       for line in _superglue_lines(task, submission, examples, predictions))
    return atomic_write_text(path, text)
