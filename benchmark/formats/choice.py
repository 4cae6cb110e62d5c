"""Multiple choice: each example has candidate rows, one score each, a softmax across them.

``ChoiceFormat`` is the shape (the head scores every candidate row, the prediction is the
index of the best one, accuracy is the metric); ``copa`` is its COPA reader: the premise
with its connective ("What was the cause?") against each of the two alternatives.
ReCoRD's entity candidates (``benchmark.formats.record``) build on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext, choice_label, source_index, text_field
from benchmark.formats.base import TaskFormat
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from benchmark.tasks.spec import Submission, TaskSpec


class ChoiceFormat(TaskFormat):
    """Candidate rows per example; the label and the prediction are a choice index."""

    task_types = ("multiple_choice",)
    metrics = frozenset({"accuracy"})

    def head_kind(self, task: TaskSpec) -> str:
        return "choice"

    def jsonl_label(self, task: TaskSpec, submission: Submission, example: Example,
                    prediction: Any) -> Any:
        return int(prediction)


@register_format
class CopaFormat(ChoiceFormat):
    """COPA: which of two alternatives is the premise's cause (or effect)."""

    name = "copa"
    description = "COPA: premise + 'What was the cause/effect?' against each of 2 choices"

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        idx = source_index(record, ctx)
        premise = text_field(record, "premise", ctx)
        question = text_field(record, "question", ctx)
        if question not in ("cause", "effect"):
            raise ctx.error(f"expected 'cause' or 'effect', found {question!r}", "question")
        lead = f"{premise} What was the {question}?"
        choices = tuple((lead, text_field(record, name, ctx)) for name in ("choice1", "choice2"))
        label = choice_label(record, ctx, len(choices))
        return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", None, choices, label, None,
                        {"idx": idx})]
