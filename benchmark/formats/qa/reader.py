"""Read extractive-QA files into one question per ``QaExample``.

Two layouts: the MRQA 2019 shared task's jsonl (optionally gzipped; an optional first
line ``{"header": {...}}``, then one passage per line with its ``qas``) and SQuAD v1.1's
original json (``data[].paragraphs[].qas[]``).

MRQA's ``detected_answers[].char_spans`` are ``[start, end]`` with an *inclusive* end
(``context[start:end + 1]`` is the span); they are stored here as half-open
``(start, end + 1)`` so that ``context[start:end]`` is the span. The span text can differ
from the gold ``answers`` string (case, a dropped article: "Broncos" for "The Broncos"),
so it is not checked against it; ``answers`` are the strings EM and F1 are scored against,
as in MRQA's official evaluation. Faults raise ``DataError`` naming file, line and field.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.errors import DataError

Span = tuple[int, int]


@dataclass(frozen=True)
class QaExample:
    """One question over one passage."""

    qid: str
    question: str
    context: str
    answers: tuple[str, ...]
    """Gold answer strings; EM/F1 take the maximum over them."""
    answer_spans: tuple[Span, ...]
    """Half-open character spans of the answers in ``context``, first one first (the
    training target); duplicates removed."""
    context_id: str
    """SHA-1 of the passage text: equal passages share it, so a split by context keeps
    a passage repeated on several lines (RelationExtraction) on one side."""


@dataclass(frozen=True)
class QaFile:
    """A whole file: its header (MRQA), questions and number of passage records."""

    path: str
    dataset: str | None
    header: Mapping[str, Any] | None
    examples: list[QaExample]
    contexts: int
    """Passage records in the file (lines in MRQA jsonl, paragraphs in SQuAD json)."""


def context_id(context: str) -> str:
    """A stable id for a passage's text (the files' own ids are empty or absent)."""
    return hashlib.sha1(context.encode("utf-8")).hexdigest()[:16]


def read_qa_file(path: str | Path) -> QaFile:
    """Read an MRQA ``.jsonl``/``.jsonl.gz`` or a SQuAD v1.1 ``.json`` file by its name."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return read_mrqa(path)
    if name.endswith(".json"):
        return read_squad_json(path)
    raise DataError("unknown QA file type: expected MRQA '.jsonl' / '.jsonl.gz' or SQuAD "
                    "v1.1 '.json'", str(path))


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="\n") as handle:
            yield from enumerate(handle, 1)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the file ({error}); is it UTF-8 jsonl, or gzip of it?",
                        str(path)) from None


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError as error:
        raise DataError(f"cannot open the file ({error.strerror})", str(path)) from None


class _Line:
    """Field access on one jsonl object, with errors naming file, line and field."""

    def __init__(self, path: Path, line: int | None) -> None:
        self.path, self.line = str(path), line

    def error(self, message: str, field: str | None = None) -> DataError:
        where = f"field '{field}': " if field else ""
        return DataError(f"{where}{message}", self.path, self.line)

    def get(self, record: Any, name: str, kind: type, where: str) -> Any:
        label = f"{where}.{name}" if where else name
        if not isinstance(record, Mapping) or name not in record:
            raise self.error("missing", label)
        value = record[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(f"expected {kind.__name__}, found {value!r:.60}", label)
        return value


def read_mrqa(path: str | Path) -> QaFile:
    """Read an MRQA 2019 jsonl file (gzipped or not; header line optional)."""
    path = Path(path)
    header: Mapping[str, Any] | None = None
    examples: list[QaExample] = []
    seen: dict[str, int] = {}
    contexts = 0
    for number, text in _numbered_lines(path):
        if not text.strip():
            continue
        at = _Line(path, number)
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise at.error(f"not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, Mapping):
            raise at.error(f"expected a JSON object, found {type(record).__name__}")
        if "header" in record:
            if contexts or header is not None:
                raise at.error("a header line is only allowed as the first line", "header")
            header = at.get(record, "header", Mapping, "")
            continue
        contexts += 1
        for example in _mrqa_context(record, at):
            if example.qid in seen:
                raise at.error(f"question id {example.qid!r} repeats the one on line "
                               f"{seen[example.qid]}", "qas.qid")
            seen[example.qid] = number
            examples.append(example)
    if not examples:
        raise DataError("no questions in the file", str(path))
    dataset = header.get("dataset") if header else None
    return QaFile(str(path), dataset if isinstance(dataset, str) else None, header, examples,
                  contexts)


def _mrqa_context(record: Mapping[str, Any], at: _Line) -> list[QaExample]:
    context = at.get(record, "context", str, "")
    qas = at.get(record, "qas", list, "")
    cid = context_id(context)
    examples = []
    for index, qa in enumerate(qas):
        where = f"qas[{index}]"
        qid = at.get(qa, "qid", str, where)
        question = at.get(qa, "question", str, where)
        answers = _strings(at, at.get(qa, "answers", list, where), f"{where}.answers")
        spans: list[Span] = []
        detected = at.get(qa, "detected_answers", list, where)
        for d_index, answer in enumerate(detected):
            d_where = f"{where}.detected_answers[{d_index}]"
            for s_index, pair in enumerate(at.get(answer, "char_spans", list, d_where)):
                spans.append(_inclusive_span(pair, context, at, f"{d_where}.char_spans[{s_index}]"))
        examples.append(QaExample(qid, question, context, answers, _unique(spans), cid))
    return examples


def _strings(at: _Line, values: Sequence[Any], field: str) -> tuple[str, ...]:
    if not values:
        raise at.error("no gold answers; every question needs at least one", field)
    for value in values:
        if not isinstance(value, str):
            raise at.error(f"expected answer strings, found {value!r:.60}", field)
    return tuple(values)


def _inclusive_span(pair: Any, context: str, at: _Line, field: str) -> Span:
    if (not isinstance(pair, list) or len(pair) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
        raise at.error(f"expected [start, end] integers, found {pair!r:.60}", field)
    start, end = pair
    if not 0 <= start <= end < len(context):
        raise at.error(f"span [{start}, {end}] (inclusive end) is outside the context of "
                       f"{len(context)} characters", field)
    return start, end + 1


def _unique(spans: list[Span]) -> tuple[Span, ...]:
    return tuple(dict.fromkeys(spans))


def read_squad_json(path: str | Path) -> QaFile:
    """Read SQuAD v1.1's original json (every question answerable, ``answer_start`` offsets)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DataError(f"cannot open the file ({error.strerror})", str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"not valid UTF-8 JSON ({error})", str(path)) from None
    at = _Line(path, None)  # json has no line per record: errors name the field path instead
    examples: list[QaExample] = []
    seen: set[str] = set()
    contexts = 0
    for a_index, article in enumerate(at.get(document, "data", list, "")):
        where = f"data[{a_index}]"
        for p_index, paragraph in enumerate(at.get(article, "paragraphs", list, where)):
            p_where = f"{where}.paragraphs[{p_index}]"
            contexts += 1
            context = at.get(paragraph, "context", str, p_where)
            for q_index, qa in enumerate(at.get(paragraph, "qas", list, p_where)):
                example = _squad_question(qa, context, at, f"{p_where}.qas[{q_index}]")
                if example.qid in seen:
                    raise at.error(f"question id {example.qid!r} repeats",
                                   f"{p_where}.qas[{q_index}].id")
                seen.add(example.qid)
                examples.append(example)
    if not examples:
        raise DataError("no questions in the file", str(path))
    version = document.get("version")
    return QaFile(str(path), "SQuAD" if version == "1.1" else None, None, examples, contexts)


def _squad_question(qa: Any, context: str, at: _Line, where: str) -> QaExample:
    qid = at.get(qa, "id", str, where)
    question = at.get(qa, "question", str, where)
    if isinstance(qa, Mapping) and qa.get("is_impossible"):
        raise at.error("unanswerable (SQuAD v2.0) questions are not supported; use a v1.1 "
                       "file or MRQA's version", f"{where}.is_impossible")
    texts: list[str] = []
    spans: list[Span] = []
    answers = at.get(qa, "answers", list, where)
    if not answers:
        raise at.error("no gold answers; every question needs at least one", f"{where}.answers")
    for index, answer in enumerate(answers):
        a_where = f"{where}.answers[{index}]"
        text = at.get(answer, "text", str, a_where)
        start = at.get(answer, "answer_start", int, a_where)
        if context[start:start + len(text)] != text:
            raise at.error(f"answer {text!r:.60} is not at character {start} of the context",
                           f"{a_where}.answer_start")
        texts.append(text)
        spans.append((start, start + len(text)))
    return QaExample(qid, question, context, tuple(texts), _unique(spans), context_id(context))
