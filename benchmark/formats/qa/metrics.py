"""Exact match and F1 for extractive QA, as the official SQuAD v1.1 / MRQA scripts compute them.

Both strings are normalised (lower case, punctuation dropped, the articles a/an/the
dropped, white space collapsed; ``benchmark.metrics.functions.normalize_answer``, shared
with ReCoRD), F1 is over the bags of normalised tokens, each question takes the maximum
over its gold answers, and the corpus score is the mean over questions in 0-100, the unit
the official scripts print. As in SQuAD v1.1, an answer that normalises to nothing scores
F1 0 even against a gold answer that does too (EM is still 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.formats.qa.reader import QaExample
from benchmark.metrics.functions import normalize_answer, token_f1


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def max_over_gold(metric: Callable[[str, str], float], prediction: str,
                  golds: Sequence[str]) -> float:
    """The best score of ``prediction`` against any gold answer."""
    if not golds:
        raise BenchmarkError("a QA question without gold answers cannot be scored")
    return max(metric(prediction, gold) for gold in golds)


def answer_match_metrics(names: Sequence[str],
                         text_and_answers: Callable[[Any, Any], tuple[str, Sequence[str]]]
                         ) -> tuple[Any, ...]:
    """``f1``/``em`` in resampled form (``benchmark.stats.units``): per question the best
    token F1 / exact match of its answer text against any gold answer, their mean over
    questions. ``text_and_answers`` reads one question's (prediction, gold) values of the
    per-example predictions file; span QA and ReCoRD store them differently."""
    from benchmark.stats.units import mean_metric

    def best(metric: Callable[[str, str], float]) -> Callable[[Any, Any], float]:
        def score(pred: Any, gold: Any) -> float:
            return max_over_gold(metric, *text_and_answers(pred, gold))
        return score

    scorers = {"f1": token_f1, "em": exact_match}
    return tuple(mean_metric(name, best(scorers[name])) for name in names)


def qa_scores(predictions: Mapping[str, str], examples: Sequence[QaExample]) -> dict[str, float]:
    """``exact_match`` and ``f1`` (0-100) of predicted answer texts keyed by question id.

    Every example needs a prediction (the official scripts silently score a missing one 0;
    here it is an error, since it means the predictions came from another set). Predictions
    for other ids are ignored, as there.
    """
    if not examples:
        raise BenchmarkError("no QA examples to score")
    missing = [e.qid for e in examples if e.qid not in predictions]
    if missing:
        raise BenchmarkError(f"no prediction for {len(missing)} of {len(examples)} QA questions "
                             f"(e.g. {', '.join(map(repr, missing[:3]))}); predict every "
                             "question of the evaluated set")
    em = f1 = 0.0
    for example in examples:
        answer = predictions[example.qid]
        em += max_over_gold(exact_match, answer, example.answers)
        f1 += max_over_gold(token_f1, answer, example.answers)
    return {"exact_match": 100.0 * em / len(examples), "f1": 100.0 * f1 / len(examples)}
