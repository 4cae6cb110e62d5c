"""``record``: ReCoRD, a cloze query over a news passage answered by one of its entities.

One multiple-choice example per query. The candidates are the passage's distinct entity
strings: the official files give character spans with an *inclusive* end
(``{"start": 3, "end": 15}`` is ``text[3:16]``), the Hub gives the strings; both are
sorted as the Hub builder sorts them. Each candidate row is (passage with ``@highlight``
lines turned into ``- ``, query with ``@placeholder`` filled by the entity). The label is
the first candidate that is a gold answer; a training query without one cannot be learnt
and is dropped (counted and logged). The metric compares entity strings with the gold
answers (token F1 and exact match, maximised over answers), so a prediction is the
chosen entity.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext, get_field, source_index, text_field
from benchmark.formats.base import Record
from benchmark.formats.choice import ChoiceFormat
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from benchmark.tasks.spec import Submission, TaskSpec

log = logging.getLogger(__name__)

DROPPED = "dropped_no_gold"
"""``RowContext.stats`` key: training queries none of whose candidates is a gold answer."""


def passage_entities(record: Mapping[str, Any], text: str, ctx: RowContext) -> list[str]:
    """The passage's distinct entity strings, sorted (spans' ends are inclusive)."""
    if "entity_strings" in record["passage"]:
        return sorted(set(get_field(record, "passage.entity_strings", ctx, list)))
    entities = set()
    for i, span in enumerate(get_field(record, "passage.entities", ctx, list)):
        where = f"passage.entities[{i}]"
        if not isinstance(span, Mapping):
            raise ctx.error("expected an object with start and end", where)
        start = get_field(span, "start", ctx, int, where=where)
        end = get_field(span, "end", ctx, int, where=where)
        if not 0 <= start <= end < len(text):
            raise ctx.error(f"span [{start}, {end}] is outside the passage (length {len(text)})",
                            where)
        entities.add(text[start : end + 1])
    return sorted(entities)


def _chosen(prediction: Any, meta: Mapping[str, Any]) -> str:
    return prediction if isinstance(prediction, str) else meta["entities"][int(prediction)]


@register_format
class RecordFormat(ChoiceFormat):
    """Entity candidates per query; scored on the chosen entity's string."""

    name = "record"
    description = "ReCoRD: the passage's entities fill the query's @placeholder; F1/EM"
    metrics = frozenset({"f1", "em"})

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        p_idx = source_index(record, ctx)
        text = text_field(record, "passage.text", ctx)
        entities = passage_entities(record, text, ctx)
        if not entities:
            raise ctx.error("passage has no entities", "passage.entities")
        passage = text.replace("@highlight\n", "- ")
        examples = []
        for qi, qa in enumerate(get_field(record, "qas", ctx, list)):
            where = f"qas[{qi}]"
            if not isinstance(qa, Mapping):
                raise ctx.error("expected an object", where)
            q_idx = get_field(qa, "idx", ctx, where=where)
            query = text_field(qa, "query", ctx, where)
            if "@placeholder" not in query:
                raise ctx.error("query has no @placeholder", f"{where}.query")
            if "answer_strings" in qa:
                answers = sorted(set(qa["answer_strings"]))
            else:
                answers = sorted({text_field(a, "text", ctx, f"{where}.answers")
                                  for a in qa.get("answers", []) if isinstance(a, Mapping)})
            if not answers and ctx.labelled_split:
                raise ctx.error("no answers", f"{where}.answers")
            label = next((i for i, e in enumerate(entities) if e in answers), None)
            if label is None and ctx.split == "train":
                ctx.stats[DROPPED] = ctx.stats.get(DROPPED, 0) + 1
                continue
            choices = tuple((passage, query.replace("@placeholder", e)) for e in entities)
            examples.append(Example(
                f"{ctx.task.name}:{ctx.split}:{q_idx}", None, choices, label, str(q_idx),
                {"idx": q_idx, "passage_idx": p_idx, "entities": tuple(entities),
                 "answers": tuple(answers)},
            ))
        return examples

    def hub_record(self, row: Mapping[str, Any], task: TaskSpec, split: str,
                   names: list[str] | None) -> Record:
        """One Hub row (one query, entities and answers as strings) as a passage record."""
        return {
            "idx": row["idx"]["passage"],
            "passage": {"text": row["passage"], "entity_strings": list(row["entities"])},
            "qas": [{"idx": row["idx"]["query"], "query": row["query"],
                     "answer_strings": list(row["answers"])}],
        }

    def report(self, task: TaskSpec, split: str, stats: Mapping[str, int]) -> None:
        if stats.get(DROPPED):
            log.warning("%s %s: dropped %d queries whose candidates hold no gold answer",
                        task.name, split, stats[DROPPED])

    def trivial_predictor(self, task: TaskSpec) -> str | None:
        """None: a candidate index names another entity in every query."""
        return None

    def resampled_metrics(self, task: TaskSpec) -> tuple[Any, ...]:
        """Per query (one example each) the best token F1 / exact match of the chosen entity
        against its gold answers, as in the predictions file; their mean over queries."""
        from benchmark.formats.qa.metrics import answer_match_metrics

        return answer_match_metrics(task.metrics, lambda pred, gold: (str(pred), list(gold)))

    def references(self, examples: Sequence[Example]) -> list[Any] | None:
        return None  # the gold answers are in each example's meta

    def metric_values(self, task: TaskSpec, predictions: Sequence[Any],
                      references: Sequence[Any] | None, groups: Sequence[Any] | None,
                      meta: Sequence[Mapping[str, Any]] | None) -> dict[str, float]:
        """Per query the best token F1 / exact match over its gold answers, averaged.

        ``predictions``: entity strings, or choice indices into ``meta[i]["entities"]``;
        gold answers: ``references`` (lists of strings) or ``meta[i]["answers"]``.
        """
        from benchmark.metrics.functions import record_scores

        if references is not None and len(references) and \
                isinstance(references[0], list | tuple):
            golds = list(references)
        elif meta is not None:
            golds = [m["answers"] for m in meta]
        else:
            raise ValueError("ReCoRD needs gold answers in references or meta")
        if not all(isinstance(p, str) for p in predictions) and meta is None:
            raise ValueError("ReCoRD choice indices need meta with the entities")
        chosen = [_chosen(p, meta[i] if meta is not None else {})
                  for i, p in enumerate(predictions)]
        return {k: float(v) for k, v in record_scores(chosen, golds).items()}

    def prediction_values(self, task: TaskSpec, examples: Sequence[Example],
                          predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The chosen entity per query, and the list of its gold answers."""
        values = np.empty(len(examples), dtype=object)
        gold = np.empty(len(examples), dtype=object)
        values[:] = [_chosen(p, e.meta) for e, p in zip(examples, predicted, strict=True)]
        gold[:] = [list(e.meta["answers"]) for e in examples]
        return values, gold

    def jsonl_label(self, task: TaskSpec, submission: Submission, example: Example,
                    prediction: Any) -> Any:
        return _chosen(prediction, example.meta)
