"""Windows over long passages: coverage of SQuAD dev, targets, settings."""

from __future__ import annotations

import pytest

from benchmark.errors import BenchmarkError
from benchmark.formats.qa import WindowSettings, make_windows, uncovered_answers
from benchmark.formats.qa.reader import QaExample, context_id


def test_default_windows_cover_every_squad_dev_answer(squad_dev, squad_windows) -> None:
    """At 384 tokens and a 128-token overlap no gold span of SQuAD dev falls between
    windows (0 of its 18,078 distinct spans)."""
    assert squad_windows.settings == WindowSettings(max_length=384, stride=128,
                                                    max_question_length=64)
    assert uncovered_answers(squad_dev.examples, squad_windows.windows) == []
    record = squad_windows.record()
    assert record["questions"] == 10507 and record["windows"] > 10507  # some passages split
    assert record["truncated_questions"] == 0
    # windows of split passages that miss the first answer point at [CLS]
    assert 0 < record["windows_labelled_cls"] < record["windows"] - record["questions"] + 1


def test_targets_point_at_the_first_answer(squad_dev, squad_windows, minilm_tokenizer) -> None:
    first = squad_windows.windows[0]
    assert first.qid == squad_dev.examples[0].qid and first.example_index == 0
    assert len(first.input_ids) <= 384 and first.input_ids[0] == minilm_tokenizer.cls_token_id
    answer = minilm_tokenizer.decode(first.input_ids[first.start_position:first.end_position + 1])
    assert answer == "denver broncos"
    assert first.offsets[first.start_position][0] == 177
    assert first.offsets[first.end_position][1] == 191
    question_end = first.input_ids.index(minilm_tokenizer.sep_token_id)
    assert all(span is None for span in first.offsets[:question_end + 1])


def test_small_windows_overlap_and_label_cls_outside(minilm_tokenizer) -> None:
    words = [f"w{i}" for i in range(60)]
    context = " ".join(words)
    start = context.index("w40")
    example = QaExample("q", "which word?", context, ("w40",), ((start, start + 3),),
                        context_id(context))
    windowing = make_windows([example], minilm_tokenizer,
                             WindowSettings(max_length=32, stride=8, max_question_length=8))
    windows = windowing.windows
    assert len(windows) > 2 and all(len(w.input_ids) <= 32 for w in windows)
    for before, after in zip(windows, windows[1:], strict=False):
        shared = set(filter(None, before.offsets)) & set(filter(None, after.offsets))
        assert len(shared) == 8  # the stride is the overlap in tokens
    holding = [w for w in windows if w.start_position != 0]
    assert holding and all(
        context[w.offsets[w.start_position][0]:w.offsets[w.end_position][1]] == "w40"
        for w in holding)
    assert all((w.start_position, w.end_position) == (0, 0) for w in windows
               if w not in holding)
    assert uncovered_answers([example], windows) == []


def test_long_questions_are_cut(minilm_tokenizer) -> None:
    question = " ".join(["why"] * 100)
    example = QaExample("q", question, "Because.", ("Because",), ((0, 7),), context_id("B"))
    windowing = make_windows([example], minilm_tokenizer,
                             WindowSettings(max_length=64, stride=4, max_question_length=16))
    assert windowing.truncated_questions == 1
    assert windowing.windows[0].input_ids.count(minilm_tokenizer.convert_tokens_to_ids("why")) \
        == 16


@pytest.mark.parametrize(("settings", "message"), [
    (WindowSettings(max_length=64, stride=40, max_question_length=32),
     r"stride 40 must be smaller than the passage tokens per window \(29"),
    (WindowSettings(max_length=64, stride=0, max_question_length=64),
     "leave no room for the passage"),
    (WindowSettings(max_length=0), "max_length must be an integer >= 1"),
    (WindowSettings(stride=-1), "stride must be an integer >= 0"),
])
def test_impossible_settings_fail_before_tokenizing(minilm_tokenizer, settings, message) -> None:
    example = QaExample("q", "who?", "Ann.", ("Ann",), ((0, 3),), context_id("Ann."))
    with pytest.raises(BenchmarkError, match=message):
        make_windows([example], minilm_tokenizer, settings)


def test_slow_tokenizer_is_refused(minilm_tokenizer) -> None:
    from transformers import BertTokenizer

    slow = BertTokenizer.from_pretrained(minilm_tokenizer.name_or_path)
    with pytest.raises(BenchmarkError, match="need a fast"):
        make_windows([], slow)
