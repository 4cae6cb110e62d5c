"""``multirc``: MultiRC, answer options grouped by the question they answer.

One binary example per answer option, texts (passage, ``question answer``), ``group`` =
``"<passage idx>-<question idx>"``. F1a is the binary F1 over all options; EM the share of
questions whose every option is right. The Hub flattens the official passage -> questions
-> answers nesting to one row per option; ``hub_records`` nests it back. The SuperGLUE
server wants one line per passage with its questions' 0/1 answer labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext, get_field, source_index, text_field
from benchmark.formats.base import Record, TaskFormat, label_indices
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from benchmark.tasks.spec import Submission, TaskSpec


def _option_label(answer: Mapping[str, Any], where: str, ctx: RowContext) -> int | None:
    raw = answer.get("label")
    if raw is None:
        if ctx.labelled_split:
            raise ctx.error("missing label", f"{where}.label")
        return None
    if raw in (0, 1) and not isinstance(raw, float):
        return int(raw)
    raise ctx.error(f"label {raw!r} is not one of 0, 1", f"{where}.label")


@register_format
class MultiRcFormat(TaskFormat):
    """True/false per answer option; metrics over the options of each question."""

    name = "multirc"
    description = "MultiRC: one binary example per answer option, grouped by question"
    task_types = ("classification",)
    metrics = frozenset({"f1a", "em"})

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        p_idx = source_index(record, ctx)
        passage = text_field(record, "passage.text", ctx)
        questions = get_field(record, "passage.questions", ctx, list)
        examples = []
        for qi, question in enumerate(questions):
            q_field = f"passage.questions[{qi}]"
            if not isinstance(question, Mapping):
                raise ctx.error("expected an object", q_field)
            q_idx = get_field(question, "idx", ctx, int, where=q_field)
            q_text = text_field(question, "question", ctx, q_field)
            for ai, answer in enumerate(get_field(question, "answers", ctx, list, where=q_field)):
                a_field = f"{q_field}.answers[{ai}]"
                if not isinstance(answer, Mapping):
                    raise ctx.error("expected an object", a_field)
                a_idx = get_field(answer, "idx", ctx, int, where=a_field)
                label = _option_label(answer, a_field, ctx)
                examples.append(Example(
                    f"{ctx.task.name}:{ctx.split}:{p_idx}-{q_idx}-{a_idx}",
                    (passage, f"{q_text} {text_field(answer, 'text', ctx, a_field)}"),
                    None, label, f"{p_idx}-{q_idx}",
                    {"passage_idx": p_idx, "question_idx": q_idx, "answer_idx": a_idx},
                ))
        return examples

    def hub_records(self, dataset: Iterable[Mapping[str, Any]], task: TaskSpec, split: str
                    ) -> Iterator[Record]:
        """Regroup one-row-per-answer into the official passage -> questions -> answers."""
        passage: Record | None = None
        questions: dict[int, Record] = {}
        for row in dataset:
            idx = row["idx"]
            if passage is None or passage["idx"] != idx["paragraph"]:
                if passage is not None:
                    yield passage
                questions = {}
                passage = {"idx": idx["paragraph"],
                           "passage": {"text": row["paragraph"], "questions": []}}
            question = questions.get(idx["question"])
            if question is None:
                question = {"idx": idx["question"], "question": row["question"], "answers": []}
                questions[idx["question"]] = question
                passage["passage"]["questions"].append(question)
            label = row.get("label")
            label = None if label is None or label < 0 else int(label)
            question["answers"].append({"idx": idx["answer"], "text": row["answer"],
                                        "label": label})
        if passage is not None:
            yield passage

    def grouped(self, task: TaskSpec) -> bool:
        return True

    def resampled_metrics(self, task: TaskSpec) -> tuple[Any, ...]:
        """Per question: its options' (tp, fp, fn) for F1a, and whether all are right for
        EM; the bootstrap resamples whole questions."""
        from benchmark.stats.units import f1_metric, mean_metric

        def option_counts(pred: Sequence[int], gold: Sequence[int]) -> tuple[int, int, int]:
            pairs = [(int(p) == 1, int(g) == 1) for p, g in zip(pred, gold, strict=True)]
            return (sum(p and g for p, g in pairs), sum(p and not g for p, g in pairs),
                    sum(g and not p for p, g in pairs))

        def all_right(pred: Sequence[int], gold: Sequence[int]) -> float:
            return float(all(int(p) == int(g) for p, g in zip(pred, gold, strict=True)))

        available = {"f1a": f1_metric("f1a", option_counts), "em": mean_metric("em", all_right)}
        return tuple(available[m] for m in task.metrics)

    def metric_values(self, task: TaskSpec, predictions: Sequence[Any],
                      references: Sequence[Any] | None, groups: Sequence[Any] | None,
                      meta: Sequence[Mapping[str, Any]] | None) -> dict[str, float]:
        from benchmark.metrics.functions import multirc_scores

        if groups is None:
            raise ValueError("MultiRC needs groups (question ids)")
        scores = multirc_scores(label_indices(predictions, "predictions"),
                                label_indices(references or [], "references"), groups)
        return {k: float(v) for k, v in scores.items()}

    def jsonl_lines(self, task: TaskSpec, submission: Submission, examples: Sequence[Example],
                    predictions: Sequence[Any]) -> list[dict[str, Any]]:
        """One line per passage: its questions, each with its answers' 0/1 labels."""
        passages: dict[Any, dict[Any, list[dict[str, int]]]] = {}
        for ex, p in zip(examples, predictions, strict=True):
            questions = passages.setdefault(ex.meta["passage_idx"], {})
            questions.setdefault(ex.meta["question_idx"], []).append(
                {"idx": ex.meta["answer_idx"], "label": int(p)})
        return [{"idx": p_idx, "passage": {"questions": [
                    {"idx": q_idx, "answers": answers} for q_idx, answers in questions.items()]}}
                for p_idx, questions in passages.items()]
