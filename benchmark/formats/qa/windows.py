"""Cut (question, passage) pairs into overlapping windows the encoder can read.

Each window is ``[CLS] question [SEP] passage piece [SEP]`` of at most ``max_length``
tokens; consecutive pieces of a long passage share ``stride`` tokens. The defaults, 384 and
128, are the standard BERT SQuAD setting as Hugging Face's ``run_qa.py`` applies it
(``--max_seq_length 384 --doc_stride 128``, where the stride is the *overlap* between
windows; the original BERT code's ``doc_stride`` was the step between window starts).
Questions longer than ``max_question_length`` tokens (64, BERT's ``max_query_length``) are
cut to it, so every window keeps room for the passage.

Training targets are the token positions of the example's first answer span. A window
that does not hold that whole span points both positions at [CLS] (index 0), the standard
practice for SQuAD-style training; ``Windowing.record()`` counts such windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.formats.qa.reader import QaExample, Span

_BATCH = 512  # questions tokenized per call: bounds memory on large files


@dataclass(frozen=True)
class WindowSettings:
    """How passages are cut; recorded with every run that uses them."""

    max_length: int = 384
    stride: int = 128
    max_question_length: int = 64

    def check(self, special_tokens: int) -> None:
        """Reject settings the tokenizer cannot honour, before any work is done."""
        for name, value, low in (("max_length", self.max_length, 1), ("stride", self.stride, 0),
                                 ("max_question_length", self.max_question_length, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise BenchmarkError(f"QA window setting {name} must be an integer >= {low}, "
                                     f"found {value!r}")
        room = self.max_length - self.max_question_length - special_tokens
        if room < 1:
            raise BenchmarkError(
                f"QA windows of max_length {self.max_length} leave no room for the passage "
                f"after a question of up to {self.max_question_length} tokens and "
                f"{special_tokens} special tokens; raise max_length or lower "
                "max_question_length")
        if self.stride >= room:
            raise BenchmarkError(
                f"QA window stride {self.stride} must be smaller than the passage tokens per "
                f"window ({room} = max_length {self.max_length} - max_question_length "
                f"{self.max_question_length} - {special_tokens} special tokens); lower the "
                "stride or raise max_length")


@dataclass(frozen=True)
class QaWindow:
    """One encoder input; ``offsets`` maps its tokens back to passage characters."""

    example_index: int
    qid: str
    input_ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    offsets: tuple[Span | None, ...]
    """Half-open character span in the passage per token; None for question/special tokens."""
    start_position: int
    end_position: int
    """Target token positions of the first answer span, or the [CLS] index for both."""

    @property
    def context_range(self) -> Span:
        """The passage characters this window's tokens cover ((0, 0) when none)."""
        spans = [span for span in self.offsets if span is not None]
        return (spans[0][0], spans[-1][1]) if spans else (0, 0)


@dataclass(frozen=True)
class Windowing:
    """All windows of a list of examples, with the settings and counts a record needs."""

    windows: list[QaWindow]
    settings: WindowSettings
    questions: int
    truncated_questions: int

    def record(self) -> dict[str, Any]:
        return {**asdict(self.settings), "questions": self.questions,
                "windows": len(self.windows), "truncated_questions": self.truncated_questions,
                "windows_labelled_cls": sum(1 for w in self.windows if w.start_position == 0
                                            and w.end_position == 0)}


def make_windows(examples: Sequence[QaExample], tokenizer: Any,
                 settings: WindowSettings | None = None) -> Windowing:
    """Tokenize every example into overlapping windows (needs a fast tokenizer)."""
    settings = settings or WindowSettings()
    if not getattr(tokenizer, "is_fast", False):
        raise BenchmarkError("QA windows need a fast (Rust) tokenizer for character offsets; "
                             f"{type(tokenizer).__name__} is not one: load it with "
                             "AutoTokenizer.from_pretrained(..., use_fast=True)")
    settings.check(tokenizer.num_special_tokens_to_add(pair=True))
    windows: list[QaWindow] = []
    truncated = 0
    for first in range(0, len(examples), _BATCH):
        batch = examples[first:first + _BATCH]
        questions, cut = _cut_questions([e.question for e in batch], tokenizer,
                                        settings.max_question_length)
        truncated += cut
        encoded = tokenizer(questions, [e.context for e in batch], truncation="only_second",
                            max_length=settings.max_length, stride=settings.stride,
                            return_overflowing_tokens=True, return_offsets_mapping=True)
        for row, sample in enumerate(encoded["overflow_to_sample_mapping"]):
            windows.append(_window(encoded, row, first + sample, batch[sample], tokenizer))
    return Windowing(windows, settings, len(examples), truncated)


def _cut_questions(questions: list[str], tokenizer: Any, limit: int) -> tuple[list[str], int]:
    encoded = tokenizer(questions, add_special_tokens=False, return_offsets_mapping=True)
    out, cut = [], 0
    for question, offsets in zip(questions, encoded["offset_mapping"], strict=True):
        if len(offsets) > limit:
            question = question[:offsets[limit - 1][1]]
            cut += 1
        out.append(question)
    return out, cut


def _window(encoded: Any, row: int, index: int, example: QaExample, tokenizer: Any) -> QaWindow:
    sequence_ids = encoded.sequence_ids(row)
    offsets: tuple[Span | None, ...] = tuple(
        (span[0], span[1]) if part == 1 else None
        for span, part in zip(encoded["offset_mapping"][row], sequence_ids, strict=True))
    input_ids = list(encoded["input_ids"][row])
    cls = input_ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in input_ids else 0
    start, end = cls, cls
    if example.answer_spans:
        located = token_span(offsets, example.answer_spans[0])
        if located is not None:
            start, end = located
    token_types = encoded.get("token_type_ids")
    return QaWindow(
        example_index=index, qid=example.qid, input_ids=input_ids,
        token_type_ids=list(token_types[row]) if token_types is not None else [0] * len(input_ids),
        attention_mask=list(encoded["attention_mask"][row]), offsets=offsets,
        start_position=start, end_position=end)


def token_span(offsets: Sequence[Span | None], span: Span) -> Span | None:
    """First and last token of ``span`` (half-open characters) if the window holds it all."""
    context = [(i, o) for i, o in enumerate(offsets) if o is not None]
    start_char, end_char = span
    if not context or context[0][1][0] > start_char or context[-1][1][1] < end_char:
        return None
    start = next(i for i, (_, end) in context if end > start_char)
    end = next(i for i, (begin, _) in reversed(context) if begin < end_char)
    return start, max(start, end)


def uncovered_answers(examples: Sequence[QaExample], windows: Sequence[QaWindow]
                      ) -> list[tuple[str, Span]]:
    """(qid, span) of every gold span that no window of its question holds whole."""
    ranges: dict[int, list[Span]] = {}
    for window in windows:
        ranges.setdefault(window.example_index, []).append(window.context_range)
    missing = []
    for index, example in enumerate(examples):
        for start, end in example.answer_spans:
            if not any(low <= start and end <= high for low, high in ranges.get(index, [])):
                missing.append((example.qid, (start, end)))
    return missing
