"""Exact match and F1 with SQuAD/MRQA normalisation, computed by hand."""

from __future__ import annotations

import pytest

from benchmark.errors import BenchmarkError
from benchmark.formats.qa import QaExample, exact_match, max_over_gold, qa_scores
from benchmark.metrics.functions import token_f1


@pytest.mark.parametrize(("prediction", "gold", "equal"), [
    ("The Denver Broncos", "denver broncos", True),    # case and the article "the"
    ("an apple", "Apple", True),                        # article "an"
    ("a  dog\t\n", "dog", True),                        # article "a" and white space
    ("Levi's Stadium!", "levis stadium", True),         # punctuation dropped, not split
    ("Santa Clara, California.", "santa clara california", True),
    ("theatre", "atre", False),                         # articles only as whole words
    ("Broncos", "Denver Broncos", False),
])
def test_normalisation(prediction: str, gold: str, equal: bool) -> None:
    assert exact_match(prediction, gold) == float(equal)


def test_token_f1_by_hand() -> None:
    # pred {denver, broncos, team} vs gold {denver, broncos}: P 2/3, R 1, F1 0.8
    assert token_f1("Denver Broncos team", "the Denver Broncos") == pytest.approx(0.8)
    # tokens count with multiplicity: [x, x, y] vs [x, y] share 2 -> P 2/3, R 1
    assert token_f1("x x y", "x y") == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert token_f1("Broncos", "Panthers") == 0.0
    assert token_f1("the", "a") == 0.0  # both normalise to nothing: F1 0 (SQuAD v1.1)
    assert exact_match("the", "a") == 1.0


def test_maximum_over_gold_answers() -> None:
    golds = ["Santa Clara, California", "Levi's Stadium in the San Francisco Bay Area"]
    # vs the first: no common token; vs the second: P 2/2, R 2/7 -> F1 4/9
    assert max_over_gold(token_f1, "Levi's Stadium", golds) == pytest.approx(4 / 9)
    assert max_over_gold(exact_match, "Levi's Stadium", golds) == 0.0
    assert max_over_gold(exact_match, "Levi's Stadium", [*golds, "Levi's Stadium"]) == 1.0


def _example(qid: str, *answers: str) -> QaExample:
    return QaExample(qid, "?", "context", answers, (), "c")


def test_corpus_scores_in_0_to_100() -> None:
    examples = [_example("a", "Santa Clara, California", "Levi's Stadium in the San Francisco"
                         " Bay Area"), _example("b", "Denver Broncos")]
    predictions = {"a": "Levi's Stadium", "b": "the Denver Broncos", "other": "ignored"}
    scores = qa_scores(predictions, examples)
    # EM: (0 + 1) / 2; F1: (4/9 + 1) / 2
    assert scores == pytest.approx({"exact_match": 50.0, "f1": 100 * (4 / 9 + 1) / 2})


def test_missing_prediction_is_an_error() -> None:
    with pytest.raises(BenchmarkError, match=r"no prediction for 1 of 2 QA questions \(e.g. 'b'\)"):
        qa_scores({"a": "x"}, [_example("a", "x"), _example("b", "y")])
    with pytest.raises(BenchmarkError, match="without gold answers"):
        max_over_gold(exact_match, "x", [])
