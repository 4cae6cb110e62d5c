"""Decoding start/end logits over the windows of a question."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.errors import BenchmarkError
from benchmark.formats.qa import DecodeSettings, QaWindow, best_span, decode_predictions, qa_scores

CONTEXT = "Alpha beta gamma delta epsilon zeta"
#          0     6    11    17    23      31


def _window(offsets: list) -> QaWindow:
    n = len(offsets)
    return QaWindow(0, "q", [0] * n, [0] * n, [1] * n, tuple(offsets), 0, 0)


# [CLS] question [SEP] four passage words [SEP]; the two windows share "gamma delta".
WINDOW_A = _window([None, None, None, (0, 5), (6, 10), (11, 16), (17, 22), None])
WINDOW_B = _window([None, None, None, (11, 16), (17, 22), (23, 30), (31, 35), None])
# A: the top start is a question token and the top end is [SEP] (both invalid); its best
#    valid pair is beta..gamma = 3 + 2 = 5.
START_A = [0, 9, 0, 1, 3, 0, 0, 0]
END_A = [0, 0, 0, 0.5, 0, 2, 0, 8]
# B: [CLS]..[CLS] scores 12 but is not in the passage; epsilon..zeta = 4 + 3 = 7 wins.
#    The padded tail (100) lies beyond the window and is ignored.
START_B = [6, 0, 0, 0, 0, 4, 0, 0, 100]
END_B = [6, 0, 0, 0, 0, 0, 3, 0, 100]


def test_best_valid_span_across_two_windows() -> None:
    best = best_span([WINDOW_A, WINDOW_B], [START_A, START_B], [END_A, END_B], CONTEXT)
    assert (best.text, best.char_span, best.score) == ("epsilon zeta", (23, 35), 7.0)


def test_answer_length_limit() -> None:
    """One token at most: B's epsilon (4 + 0) beats A's beta (3 + 0) and gamma (0 + 2)."""
    best = best_span([WINDOW_A, WINDOW_B], [START_A, START_B], [END_A, END_B], CONTEXT,
                     DecodeSettings(max_answer_length=1))
    assert (best.text, best.char_span, best.score) == ("epsilon", (23, 30), 4.0)


def test_end_before_start_is_invalid() -> None:
    window = _window([None, (0, 5), (6, 10), None])
    # beta..Alpha (5 + 9) runs backwards; of the rest beta..beta (5 + 1) beats Alpha..Alpha
    # (-5 + 9) and Alpha..beta (-5 + 1).
    best = best_span([window], [[0, -5, 5, 0]], [[0, 9, 1, 0]], CONTEXT)
    assert (best.text, best.score) == ("beta", 6.0)


def test_n_best_limits_the_search() -> None:
    """With only the single top start and end per window, both windows' tops are invalid."""
    best = best_span([WINDOW_A, WINDOW_B], [START_A, START_B], [END_A, END_B], CONTEXT,
                     DecodeSettings(n_best=1))
    assert (best.text, best.char_span) == ("", None)


def test_short_logit_row_and_bad_settings() -> None:
    with pytest.raises(BenchmarkError, match="shorter than its window of 8 tokens"):
        best_span([WINDOW_A], [START_A[:5]], [END_A], CONTEXT)
    with pytest.raises(BenchmarkError, match="2 windows but 1 start"):
        best_span([WINDOW_A, WINDOW_B], [START_A], [END_A, END_B], CONTEXT)
    with pytest.raises(BenchmarkError, match="n_best must be an integer >= 1"):
        best_span([WINDOW_A], [START_A], [END_A], CONTEXT, DecodeSettings(n_best=0))


def test_windows_of_other_examples_are_refused(squad_dev, squad_windows) -> None:
    window = squad_windows.windows[0]
    logits = [[0.0] * len(window.input_ids)]
    with pytest.raises(BenchmarkError, match="belongs to question 'b0626b3af0764c80b1e6f22c1149"):
        decode_predictions(squad_dev.examples[1:], [window], logits, logits)
    with pytest.raises(BenchmarkError, match="outside the 0 examples given"):
        decode_predictions([], [window], logits, logits)


def test_target_logits_decode_back_to_the_gold_spans(squad_dev, squad_windows) -> None:
    """Logits peaked at each window's targets give back the first gold span, except where
    the span is longer than 30 tokens or cuts a word piece ("£20,980" tokenizes as
    "£2", "##0", ...): those cannot be a token span's exact characters."""
    windows = squad_windows.windows
    starts, ends = [], []
    for window in windows:
        start, end = np.full(len(window.input_ids), -10.0), np.full(len(window.input_ids), -10.0)
        start[window.start_position] = end[window.end_position] = 10.0
        starts.append(start)
        ends.append(end)
    predictions = decode_predictions(squad_dev.examples, windows, starts, ends)
    assert len(predictions) == 10507
    unexplained = []
    for index, example in enumerate(squad_dev.examples):
        if predictions[example.qid].char_span == example.answer_spans[0]:
            continue
        target = next(w for w in windows if w.example_index == index and w.start_position)
        tokens = target.end_position - target.start_position + 1
        rounded = (target.offsets[target.start_position][0],
                   target.offsets[target.end_position][1])
        if tokens <= 30 and rounded == example.answer_spans[0]:
            unexplained.append(example.qid)
    assert unexplained == []
    scores = qa_scores({qid: p.text for qid, p in predictions.items()}, squad_dev.examples)
    assert scores["exact_match"] > 99.9 and scores["f1"] > 99.9
