"""Turn per-window start/end logits back into one answer per question.

The standard SQuAD decoding (BERT's ``run_squad.py``, Hugging Face's ``run_qa.py``): in
every window take the ``n_best`` highest start and end logits, keep the pairs that are a
valid span (both tokens in the passage, start <= end, at most ``max_answer_length``
tokens), score a pair by start logit + end logit, and answer with the best pair over all
windows of the question. A question whose windows hold no valid pair gets the empty answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmark.errors import BenchmarkError
from benchmark.formats.qa.reader import QaExample, Span
from benchmark.formats.qa.windows import QaWindow


@dataclass(frozen=True)
class DecodeSettings:
    """Search limits; recorded with every run that uses them."""

    n_best: int = 20
    max_answer_length: int = 30
    """In tokens, inclusive of both ends."""

    def check(self) -> None:
        for name, value in (("n_best", self.n_best), ("max_answer_length", self.max_answer_length)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise BenchmarkError(f"QA decoding setting {name} must be an integer >= 1, "
                                     f"found {value!r}")


@dataclass(frozen=True)
class SpanPrediction:
    """The chosen answer: its text, its half-open character span and its score."""

    text: str
    char_span: Span | None
    score: float


NO_ANSWER = SpanPrediction("", None, -math.inf)


def best_span(windows: Sequence[QaWindow], start_logits: Sequence[Sequence[float]],
              end_logits: Sequence[Sequence[float]], context: str,
              settings: DecodeSettings | None = None) -> SpanPrediction:
    """The best valid span over the windows of one question.

    Logit rows may be longer than their window (a padded batch); the padding is ignored.
    Ties go to the earlier window, then the higher-ranked start and end.
    """
    settings = settings or DecodeSettings()
    settings.check()
    if not len(windows) == len(start_logits) == len(end_logits):
        raise BenchmarkError(f"QA decoding got {len(windows)} windows but {len(start_logits)} "
                             f"start and {len(end_logits)} end logit rows; pass one row each")
    best = NO_ANSWER
    for window, starts, ends in zip(windows, start_logits, end_logits, strict=True):
        candidate = _best_in_window(window, _row(starts, window), _row(ends, window), settings)
        if candidate is not None and candidate[0] > best.score:
            score, span = candidate
            best = SpanPrediction(context[span[0]:span[1]], span, score)
    return best


def _row(values: Sequence[float], window: QaWindow) -> np.ndarray:
    row = np.asarray(values, dtype=np.float64).reshape(-1)
    if row.shape[0] < len(window.offsets):
        raise BenchmarkError(f"QA decoding: a logit row of {row.shape[0]} values is shorter "
                             f"than its window of {len(window.offsets)} tokens (question "
                             f"{window.qid!r}); pass the model's output for every token")
    return row[:len(window.offsets)]


def _best_in_window(window: QaWindow, starts: np.ndarray, ends: np.ndarray,
                    settings: DecodeSettings) -> tuple[float, Span] | None:
    """The best valid pair's score and its half-open character span, if any pair is valid."""
    top_starts = np.argsort(-starts, kind="stable")[:settings.n_best]
    top_ends = np.argsort(-ends, kind="stable")[:settings.n_best]
    best: tuple[float, Span] | None = None
    for first in top_starts.tolist():
        first_span = window.offsets[first]
        if first_span is None:
            continue
        for last in top_ends.tolist():
            last_span = window.offsets[last]
            if (last_span is None or last < first
                    or last - first + 1 > settings.max_answer_length):
                continue
            score = float(starts[first] + ends[last])
            if best is None or score > best[0]:
                best = (score, (first_span[0], last_span[1]))
    return best


def decode_predictions(examples: Sequence[QaExample], windows: Sequence[QaWindow],
                       start_logits: Sequence[Sequence[float]],
                       end_logits: Sequence[Sequence[float]],
                       settings: DecodeSettings | None = None) -> dict[str, SpanPrediction]:
    """One prediction per question id, from the logits of all windows (in window order)."""
    if not len(windows) == len(start_logits) == len(end_logits):
        raise BenchmarkError(f"QA decoding got {len(windows)} windows but {len(start_logits)} "
                             f"start and {len(end_logits)} end logit rows; pass one row each")
    grouped: dict[int, list[int]] = {}
    for row, window in enumerate(windows):
        if not 0 <= window.example_index < len(examples):
            raise BenchmarkError(f"QA decoding: window of question {window.qid!r} points at "
                                 f"example {window.example_index}, outside the "
                                 f"{len(examples)} examples given; pass the list it was made from")
        if window.qid != examples[window.example_index].qid:
            raise BenchmarkError(f"QA decoding: window {row} belongs to question {window.qid!r}, "
                                 f"but example {window.example_index} is "
                                 f"{examples[window.example_index].qid!r}; pass the examples "
                                 "the windows were made from, in the same order")
        grouped.setdefault(window.example_index, []).append(row)
    predictions = {}
    for index, example in enumerate(examples):
        rows = grouped.get(index, [])
        predictions[example.qid] = best_span(
            [windows[r] for r in rows], [start_logits[r] for r in rows],
            [end_logits[r] for r in rows], example.context, settings)
    return predictions
