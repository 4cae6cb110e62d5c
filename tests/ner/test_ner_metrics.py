"""Entity-level and surface-form scores, computed by hand."""

from __future__ import annotations

import pytest

from benchmark.errors import BenchmarkError
from benchmark.formats.ner import entity_scores, entity_scores_by_type, surface_scores

TOKENS = [
    ["John", "Smith", "visited", "Paris", "with", "his", "iPhone", "and", "Coldplay", "from",
     "Google"],
    ["Google", "rocks", "Bristol"],
]
GOLD = [
    ["B-person", "I-person", "O", "B-location", "O", "O", "B-product", "O", "B-group", "O",
     "B-corporation"],
    ["B-corporation", "O", "O"],
]
PREDICTED = [
    # John Smith: partial (only "John"); Paris: wrong type; iPhone: missed; Coldplay: right;
    # "from": spurious; Google: right
    ["B-person", "O", "O", "B-person", "O", "O", "O", "O", "B-group", "B-location",
     "B-corporation"],
    # Google: right again; Bristol: spurious
    ["B-corporation", "O", "B-location"],
]


def test_entity_scores_by_hand() -> None:
    # gold 6 entities, predicted 7, correct 3 (Coldplay, Google twice)
    scores = entity_scores(GOLD, PREDICTED)
    assert scores == pytest.approx({"precision": 300 / 7, "recall": 50.0, "f1": 600 / 13})


def test_per_type() -> None:
    by_type = entity_scores_by_type(GOLD, PREDICTED)
    assert by_type["corporation"] == pytest.approx(
        {"precision": 100.0, "recall": 100.0, "f1": 100.0, "support": 2.0})
    assert by_type["person"] == pytest.approx(  # gold 1, predicted 2 (John, Paris), none right
        {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1.0})
    assert by_type["product"]["recall"] == 0.0 and by_type["group"]["f1"] == 100.0


def test_surface_forms_by_hand() -> None:
    """Unique (words, type): gold 5 (Google once), predicted 6, found 2 (Coldplay, Google)."""
    scores = surface_scores(TOKENS, GOLD, PREDICTED)
    assert scores == pytest.approx({"surface_precision": 100 / 3, "surface_recall": 40.0,
                                    "surface_f1": 400 / 11})


def test_conlleval_reading_of_a_stray_inside_tag() -> None:
    """As conlleval (and the WNUT scorer): I-x after O starts an x entity."""
    assert entity_scores([["B-person", "I-person", "O"]],
                         [["I-person", "I-person", "O"]])["f1"] == 100.0


def test_nothing_predicted_scores_zero() -> None:
    assert entity_scores(GOLD, [["O"] * len(g) for g in GOLD]) == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_shape_mismatches() -> None:
    with pytest.raises(BenchmarkError, match="1 predicted sentences for 2 gold ones"):
        entity_scores(GOLD, PREDICTED[:1])
    with pytest.raises(BenchmarkError, match="sentence 1 has 3 gold tags but 2 predicted"):
        entity_scores(GOLD, [PREDICTED[0], ["O", "O"]])
    with pytest.raises(BenchmarkError, match="needs the words of every sentence"):
        surface_scores(TOKENS[:1], GOLD, PREDICTED)
    with pytest.raises(BenchmarkError, match="predicted tag 'PER' in sentence 1 is not a BIO"):
        entity_scores(GOLD, [PREDICTED[0], ["PER", "O", "O"]])
