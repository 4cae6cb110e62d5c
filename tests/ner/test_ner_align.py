"""First-sub-token labels and their way back to word tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.errors import BenchmarkError
from benchmark.formats.ner import (
    IGNORE_INDEX,
    WNUT17_TAGS,
    NerSentence,
    align_labels,
    encode_sentences,
    read_conll,
    word_tags,
)


def test_align_by_hand() -> None:
    # [CLS] w0 w1a w1b w1c w2 [SEP]
    assert align_labels([None, 0, 1, 1, 1, 2, None], [5, 7, 0]) == [
        IGNORE_INDEX, 5, 7, IGNORE_INDEX, IGNORE_INDEX, 0, IGNORE_INDEX]


def test_real_sentence_labels_first_sub_tokens(data_dir: Path, minilm_tokenizer) -> None:
    sentence = read_conll(data_dir / "wnut17" / "wnut17train.conll")[0]
    features = encode_sentences([sentence], minilm_tokenizer, WNUT17_TAGS, max_length=128)[0]
    pieces = minilm_tokenizer.convert_ids_to_tokens(features.input_ids)
    assert pieces[:4] == ["[CLS]", "@", "paul", "##walk"]  # "@paulwalk": three pieces
    assert features.labels[:4] == [IGNORE_INDEX, 0, IGNORE_INDEX, IGNORE_INDEX]
    labelled = [(pieces[i], WNUT17_TAGS[label]) for i, label in enumerate(features.labels)
                if label != IGNORE_INDEX]
    assert len(labelled) == len(sentence.tokens) == features.words
    assert labelled[14:17] == [("empire", "B-location"), ("state", "I-location"),
                               ("building", "I-location")]


def test_gold_labels_read_back_as_the_gold_tags(data_dir: Path, minilm_tokenizer) -> None:
    """All of WNUT dev: the 4 words that are only U+FE0F have no sub-token; they are O."""
    dev = read_conll(data_dir / "wnut17" / "emerging.dev.conll")
    features = encode_sentences(dev, minilm_tokenizer, WNUT17_TAGS, max_length=128)
    assert sum(f.unlabelled_words for f in features) == 4
    for sentence, feature in zip(dev, features, strict=True):
        predictions = [max(label, 0) for label in feature.labels]
        assert word_tags(feature.word_ids, predictions, feature.words, WNUT17_TAGS) == list(
            sentence.tags)


def test_words_cut_by_max_length_are_predicted_outside(minilm_tokenizer) -> None:
    sentence = NerSentence(("Ann", "met", "Bob", "Smith"), ("B-person", "O", "B-person",
                                                           "I-person"), 1)
    feature = encode_sentences([sentence], minilm_tokenizer, WNUT17_TAGS, max_length=4)[0]
    assert feature.unlabelled_words == 2
    predictions = [max(label, 0) for label in feature.labels]
    assert word_tags(feature.word_ids, predictions, 4, WNUT17_TAGS) == [
        "B-person", "O", "O", "O"]


def test_faults(minilm_tokenizer) -> None:
    sentence = NerSentence(("Ann",), ("B-animal",), 7)
    with pytest.raises(BenchmarkError, match="line 7: tag 'B-animal' is not in the task's tags"):
        encode_sentences([sentence], minilm_tokenizer, WNUT17_TAGS, max_length=16)
    with pytest.raises(BenchmarkError, match="predicted tag id 13 is outside the 13 tags"):
        word_tags([None, 0, None], [0, 13, 0], 1, WNUT17_TAGS)
    with pytest.raises(BenchmarkError, match="2 token predictions for 3 tokens"):
        word_tags([None, 0, None], [0, 1], 1, WNUT17_TAGS)
