"""The leaderboards' metrics, written out so their definitions can be read and tested.

Native units: accuracy and F1 in 0..1, correlations in -1..1. Where a statistic is
undefined (a constant prediction has no correlation; MCC with an empty row or
column) the value is 0.0, as scikit-learn returns for MCC, so one degenerate run
cannot turn a suite average into NaN.
"""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
from scipy import stats


def _check(predictions: Sequence, references: Sequence) -> None:
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    if not len(references):
        raise ValueError("no examples to score")


def accuracy(predictions: Sequence[int], references: Sequence[int]) -> float:
    _check(predictions, references)
    return sum(int(p) == int(r) for p, r in zip(predictions, references, strict=True)) / len(
        references)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def f1_binary(predictions: Sequence[int], references: Sequence[int], positive: int = 1) -> float:
    """F1 of the positive class (MRPC, QQP: class 1; MultiRC F1a: answer is true)."""
    _check(predictions, references)
    pairs = [(int(p) == positive, int(r) == positive) for p, r in
             zip(predictions, references, strict=True)]
    tp = sum(p and r for p, r in pairs)
    fp = sum(p and not r for p, r in pairs)
    fn = sum(r and not p for p, r in pairs)
    return _f1(tp, fp, fn)


def macro_f1(predictions: Sequence[int], references: Sequence[int]) -> float:
    """Unweighted mean of per-class F1 over the classes seen in either list (CB)."""
    _check(predictions, references)
    classes = sorted({int(x) for x in predictions} | {int(x) for x in references})
    return float(np.mean([f1_binary(predictions, references, c) for c in classes]))


def matthews(predictions: Sequence[int], references: Sequence[int]) -> float:
    """Matthews correlation, multi-class form (Gorodkin 2004); binary MCC for 2 classes."""
    _check(predictions, references)
    p = np.asarray(predictions, dtype=np.int64)
    t = np.asarray(references, dtype=np.int64)
    classes = np.union1d(p, t)
    pred_counts = np.array([(p == c).sum() for c in classes], dtype=np.float64)
    true_counts = np.array([(t == c).sum() for c in classes], dtype=np.float64)
    n = float(len(t))
    correct = float((p == t).sum())
    numerator = correct * n - float(pred_counts @ true_counts)
    denominator = np.sqrt((n * n - float(pred_counts @ pred_counts)) *
                          (n * n - float(true_counts @ true_counts)))
    return float(numerator / denominator) if denominator else 0.0


def _correlation(kind: str, predictions: Sequence[float], references: Sequence[float]) -> float:
    _check(predictions, references)
    x = np.asarray(predictions, dtype=np.float64)
    y = np.asarray(references, dtype=np.float64)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    result = stats.pearsonr(x, y) if kind == "pearson" else stats.spearmanr(x, y)
    return float(result[0])


def pearson(predictions: Sequence[float], references: Sequence[float]) -> float:
    return _correlation("pearson", predictions, references)


def spearman(predictions: Sequence[float], references: Sequence[float]) -> float:
    return _correlation("spearman", predictions, references)


def _grouped(values: Sequence, groups: Sequence[Hashable]) -> dict[Hashable, list]:
    out: dict[Hashable, list] = defaultdict(list)
    for value, group in zip(values, groups, strict=True):
        out[group].append(value)
    return out


def multirc_scores(predictions: Sequence[int], references: Sequence[int],
                   groups: Sequence[Hashable]) -> dict[str, float]:
    """F1a: binary F1 over all answer options; EM: share of questions with every option right."""
    _check(predictions, references)
    if len(groups) != len(references):
        raise ValueError("MultiRC needs one question id per answer option")
    right = _grouped([int(p) == int(r) for p, r in zip(predictions, references, strict=True)],
                     groups)
    em = sum(all(v) for v in right.values()) / len(right)
    return {"f1a": f1_binary(predictions, references, 1), "em": em}


def gender_parity(predictions: Sequence[int], groups: Sequence[Hashable]) -> float:
    """Share of AX-g minimal pairs whose two examples get the same prediction."""
    if len(groups) != len(predictions) or not predictions:
        raise ValueError("gender parity needs one pair id per prediction")
    pairs = _grouped([int(p) for p in predictions], groups)
    return sum(len(set(v)) == 1 for v in pairs.values()) / len(pairs)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """ReCoRD's official normalisation (SQuAD v1.1): lower case, drop punctuation,
    drop the articles a/an/the, collapse white space."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    """Bag-of-tokens F1 between normalised strings."""
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def record_scores(predictions: Sequence[str], golds: Sequence[Sequence[str]]
                  ) -> dict[str, float]:
    """Mean over queries of the best F1 and exact match against any gold answer."""
    _check(predictions, golds)
    f1 = em = 0.0
    for prediction, answers in zip(predictions, golds, strict=True):
        if not answers:
            raise ValueError("a ReCoRD query without gold answers cannot be scored")
        f1 += max(token_f1(prediction, a) for a in answers)
        em += max(float(normalize_answer(prediction) == normalize_answer(a)) for a in answers)
    return {"f1": f1 / len(golds), "em": em / len(golds)}
