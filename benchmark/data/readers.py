"""Turn one raw record (a tsv row, a jsonl object) into examples, per task shape.

``TaskSpec.reader`` names one of ``READERS``. Every reader sees records in the local
file layout (the Hub loader reshapes Hub rows to it first), so one code path checks
and formats both sources. Faults raise ``DataError`` naming file, line and field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmark.data.examples import Example
from benchmark.errors import DataError
from benchmark.tasks.spec import TaskSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowContext:
    """Where a record came from, for error messages and example ids."""

    task: TaskSpec
    split: str
    path: str
    line: int | None
    position: int
    stats: dict[str, int] = field(default_factory=dict, compare=False)
    """Counts the loader reports after reading (ReCoRD queries dropped)."""

    def error(self, message: str, field: str | None = None) -> DataError:
        where = f"field '{field}': " if field else ""
        return DataError(f"{self.task.name} {self.split}: {where}{message}", self.path, self.line)

    @property
    def labelled_split(self) -> bool:
        """Test splits may lack labels; train and dev splits must have them."""
        return self.split not in self.task.test_splits


Reader = Callable[[Mapping[str, Any], RowContext], list[Example]]
READERS: dict[str, Reader] = {}


def reader(name: str) -> Callable[[Reader], Reader]:
    def register(function: Reader) -> Reader:
        READERS[name] = function
        return function

    return register


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


def _text(record: Mapping[str, Any], name: str, ctx: RowContext, where: str = "") -> str:
    value = get_field(record, name, ctx, where=where)
    if not isinstance(value, str):
        raise ctx.error(f"expected text, found {value!r}", f"{where}.{name}" if where else name)
    return value


@reader("fields")
def read_fields(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """Text columns as they are, one row per record (GLUE, BoolQ, CB, user tasks)."""
    idx = source_index(record, ctx)
    texts = tuple(_text(record, name, ctx) for name in ctx.task.text_fields)
    return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", texts, None,
                    read_label(record, ctx), None, {"idx": idx})]


@reader("axg")
def read_axg(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """AX-g: consecutive examples (2k, 2k+1) are a minimal pair; group them for parity."""
    (example,) = read_fields(record, ctx)
    return [Example(example.uid, example.texts, None, example.label, f"pair-{ctx.position // 2}",
                    {**example.meta, "hypothesis": example.texts[1] if example.texts else ""})]


@reader("copa")
def read_copa(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """Premise with its connective ("What was the cause?") against each alternative."""
    idx = source_index(record, ctx)
    premise = _text(record, "premise", ctx)
    question = _text(record, "question", ctx)
    if question not in ("cause", "effect"):
        raise ctx.error(f"expected 'cause' or 'effect', found {question!r}", "question")
    lead = f"{premise} What was the {question}?"
    choices = tuple((lead, _text(record, name, ctx)) for name in ("choice1", "choice2"))
    label = _choice_label(record, ctx, len(choices))
    return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", None, choices, label, None,
                    {"idx": idx})]


def _choice_label(record: Mapping[str, Any], ctx: RowContext, n: int) -> int | None:
    raw = record.get("label")
    if raw is None:
        if ctx.labelled_split:
            raise ctx.error("missing label", "label")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < n:
        raise ctx.error(f"expected a choice index 0..{n - 1}, found {raw!r}", "label")
    return raw


def _mark(sentence: str, start: int, end: int, where: str, ctx: RowContext) -> str:
    if not 0 <= start < end <= len(sentence):
        raise ctx.error(
            f"span [{start}, {end}) is outside the sentence (length {len(sentence)})", where
        )
    return f"{sentence[:start]}*{sentence[start:end]}*{sentence[end:]}"


@reader("wic")
def read_wic(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """Both sentences with the target word's character span wrapped in asterisks."""
    idx = source_index(record, ctx)
    texts = []
    for k in ("1", "2"):
        sentence = _text(record, f"sentence{k}", ctx)
        start = get_field(record, f"start{k}", ctx, int)
        end = get_field(record, f"end{k}", ctx, int)
        texts.append(_mark(sentence, start, end, f"start{k}/end{k}", ctx))
    return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", tuple(texts), None,
                    read_label(record, ctx), None, {"idx": idx})]


def _norm_word(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.lower())


def _word_matches(word: str, target: str) -> bool:
    """Case- and punctuation-blind; the text may add a suffix ("app's" for "app")."""
    a, b = _norm_word(word), _norm_word(target)
    return a.startswith(b) if b else word == target


def _locate_span(words: list[str], index: int, span: str, where: str,
                 ctx: RowContext) -> tuple[int, int, bool]:
    """Find the words of ``span`` at word ``index``; return (start, end, realigned).

    The released WSC data has off-by-one indices (val 42) and spans whose words are
    not contiguous in the text (test 80-82). Such a span moves to the nearest place
    its words occur; failing that, its leading words that match within 3 words of
    the index are marked. Both are logged as warnings, never silent.
    """
    targets = span.split()
    n = len(targets)
    if not targets:
        raise ctx.error("empty span text", f"{where}_text")
    if not 0 <= index < len(words):
        raise ctx.error(f"span index {index} is outside the text ({len(words)} words)",
                        f"{where}_index")
    def full_match(cand: int) -> bool:
        return 0 <= cand and cand + n <= len(words) and all(
            _word_matches(w, t) for w, t in zip(words[cand : cand + n], targets, strict=True))

    order = [index] + [index + d for step in (1, 2, 3) for d in (-step, step)]
    anywhere = sorted(range(len(words)), key=lambda cand: abs(cand - index))
    for cand in order + anywhere:
        if full_match(cand):
            return cand, cand + n, cand != index
    for cand in order:
        if 0 <= cand < len(words) and _word_matches(words[cand], targets[0]):
            k = 1
            while k < n and cand + k < len(words) and _word_matches(words[cand + k], targets[k]):
                k += 1
            return cand, cand + k, True
    found = " ".join(words[index : index + n])
    raise ctx.error(f"span text {span!r} does not match the text at word {index} ({found!r})",
                    f"{where}_text")


@reader("wsc")
def read_wsc(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """The text with span1 (the noun phrase) in ``*...*`` and span2 (the pronoun) in
    ``#...#``, then the question it asks; spans found by word index and checked."""
    idx = source_index(record, ctx)
    words = _text(record, "text", ctx).split()
    marked = list(words)
    spans: dict[str, str] = {}
    realigned = False
    for name, (left, right) in (("span1", ("*", "*")), ("span2", ("#", "#"))):
        span = " ".join(_text(record, f"target.{name}_text", ctx).split())
        index = get_field(record, f"target.{name}_index", ctx, int)
        start, end, moved = _locate_span(words, index, span, f"target.{name}", ctx)
        realigned |= moved
        marked[start] = left + marked[start]
        marked[end - 1] = marked[end - 1] + right
        spans[name] = span
    if realigned:
        log.warning("%s:%s: WSC %s span realigned to the words that match its text",
                    ctx.path, ctx.line, ctx.split)
    texts = (" ".join(marked), f'Does "{spans["span2"]}" refer to "{spans["span1"]}"?')
    return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", texts, None, read_label(record, ctx),
                    None, {"idx": idx, "span_realigned": realigned})]


@reader("multirc")
def read_multirc(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """One binary example per answer option: (passage, question + answer)."""
    p_idx = source_index(record, ctx)
    passage = _text(record, "passage.text", ctx)
    questions = get_field(record, "passage.questions", ctx, list)
    examples = []
    for qi, question in enumerate(questions):
        q_field = f"passage.questions[{qi}]"
        if not isinstance(question, Mapping):
            raise ctx.error("expected an object", q_field)
        q_idx = get_field(question, "idx", ctx, int, where=q_field)
        q_text = _text(question, "question", ctx, q_field)
        for ai, answer in enumerate(get_field(question, "answers", ctx, list, where=q_field)):
            a_field = f"{q_field}.answers[{ai}]"
            if not isinstance(answer, Mapping):
                raise ctx.error("expected an object", a_field)
            a_idx = get_field(answer, "idx", ctx, int, where=a_field)
            raw = answer.get("label")
            if raw is None:
                if ctx.labelled_split:
                    raise ctx.error("missing label", f"{a_field}.label")
                label = None
            elif raw in (0, 1) and not isinstance(raw, float):
                label = int(raw)
            else:
                raise ctx.error(f"label {raw!r} is not one of 0, 1", f"{a_field}.label")
            examples.append(Example(
                f"{ctx.task.name}:{ctx.split}:{p_idx}-{q_idx}-{a_idx}",
                (passage, f"{q_text} {_text(answer, 'text', ctx, a_field)}"),
                None, label, f"{p_idx}-{q_idx}",
                {"passage_idx": p_idx, "question_idx": q_idx, "answer_idx": a_idx},
            ))
    return examples


def _record_entities(record: Mapping[str, Any], text: str, ctx: RowContext) -> list[str]:
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


@reader("record")
def read_record(record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
    """One multiple-choice example per query: each candidate entity fills @placeholder.

    Entities are the passage's distinct entity strings (end offsets inclusive, as the
    official data and the Hub builder read them); the label is the first candidate
    that is a gold answer. Training queries with no gold candidate cannot be learnt
    and are dropped (the loader logs how many).
    """
    p_idx = source_index(record, ctx)
    text = _text(record, "passage.text", ctx)
    entities = _record_entities(record, text, ctx)
    if not entities:
        raise ctx.error("passage has no entities", "passage.entities")
    passage = text.replace("@highlight\n", "- ")
    examples = []
    for qi, qa in enumerate(get_field(record, "qas", ctx, list)):
        where = f"qas[{qi}]"
        if not isinstance(qa, Mapping):
            raise ctx.error("expected an object", where)
        q_idx = get_field(qa, "idx", ctx, where=where)
        query = _text(qa, "query", ctx, where)
        if "@placeholder" not in query:
            raise ctx.error("query has no @placeholder", f"{where}.query")
        if "answer_strings" in qa:
            answers = sorted(set(qa["answer_strings"]))
        else:
            answers = sorted({_text(a, "text", ctx, f"{where}.answers")
                              for a in qa.get("answers", []) if isinstance(a, Mapping)})
        if not answers and ctx.labelled_split:
            raise ctx.error("no answers", f"{where}.answers")
        label = next((i for i, e in enumerate(entities) if e in answers), None)
        if label is None and ctx.split == "train":
            ctx.stats["dropped_no_gold"] = ctx.stats.get("dropped_no_gold", 0) + 1
            continue
        choices = tuple((passage, query.replace("@placeholder", e)) for e in entities)
        examples.append(Example(
            f"{ctx.task.name}:{ctx.split}:{q_idx}", None, choices, label, str(q_idx),
            {"idx": q_idx, "passage_idx": p_idx, "entities": tuple(entities),
             "answers": tuple(answers)},
        ))
    return examples
