"""Entity-level NER scores, as the WNUT 2017 shared task computes them, in 0-100.

``entity_scores``: micro precision, recall and F1 over entities, an entity counting as
found only when both its boundaries and its type match. Computed by ``seqeval`` in its
default mode, which reproduces the CoNLL ``conlleval`` script the WNUT 2017 scorer is built
on: an ``I-x`` that does not continue an ``x`` entity starts a new one (``mode="strict"``
would instead drop such ill-formed entities). ``surface_scores``: the shared task's second
measure as its paper describes it (unique surface forms), over unique (words, type) forms:
precision is the share of distinct predicted forms of which at least one occurrence was
found correctly, recall the same share of the distinct gold forms. An undefined ratio is 0.
Not the released ``wnuteval.py``'s numbers: it compares untyped strings, and its recall
divides by the forms found correctly (not by the gold forms), so it is near 100 for any
system; compare surface scores only with numbers of this definition.
"""

from __future__ import annotations

from collections.abc import Sequence

from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities

from benchmark.errors import BenchmarkError
from benchmark.formats.ner.reader import BIO_TAG

Tags = Sequence[Sequence[str]]


def _check(gold: Tags, predicted: Tags) -> tuple[list[list[str]], list[list[str]]]:
    if len(gold) != len(predicted):
        raise BenchmarkError(f"NER scoring got {len(predicted)} predicted sentences for "
                             f"{len(gold)} gold ones; predict every sentence")
    for index, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        if len(g) != len(p):
            raise BenchmarkError(f"NER scoring: sentence {index} has {len(g)} gold tags but "
                                 f"{len(p)} predicted; predict one tag per word "
                                 "(benchmark.formats.ner.word_tags)")
    if not gold:
        raise BenchmarkError("no NER sentences to score")
    for side, sentences in (("gold", gold), ("predicted", predicted)):
        for index, sentence in enumerate(sentences):
            bad = next((tag for tag in sentence if not BIO_TAG.match(tag)), None)
            if bad is not None:
                raise BenchmarkError(f"NER scoring: {side} tag {bad!r} in sentence {index} is "
                                     "not a BIO tag (O, B-<type> or I-<type>)")
    return [list(g) for g in gold], [list(p) for p in predicted]


def entity_scores(gold: Tags, predicted: Tags) -> dict[str, float]:
    """Micro ``precision``, ``recall`` and ``f1`` over entities, 0-100."""
    gold_lists, predicted_lists = _check(gold, predicted)
    return {name: 100.0 * float(function(gold_lists, predicted_lists, zero_division=0))
            for name, function in (("precision", precision_score), ("recall", recall_score),
                                   ("f1", f1_score))}


def entity_counts(gold: Sequence[str], predicted: Sequence[str]) -> tuple[int, int, int]:
    """One sentence's (tp, fp, fn) over entities, as ``entity_scores`` counts them: summed
    over sentences they give the same micro scores (seqeval's default mode keeps entities
    within a sentence)."""
    gold_entities = set(get_entities(list(gold)))
    predicted_entities = set(get_entities(list(predicted)))
    found = len(gold_entities & predicted_entities)
    return found, len(predicted_entities) - found, len(gold_entities) - found


def entity_scores_by_type(gold: Tags, predicted: Tags) -> dict[str, dict[str, float]]:
    """Per entity type: precision, recall, f1 (0-100) and the gold count (``support``)."""
    gold_lists, predicted_lists = _check(gold, predicted)
    report = classification_report(gold_lists, predicted_lists, output_dict=True,
                                   zero_division=0)
    return {kind: {"precision": 100.0 * float(row["precision"]),
                   "recall": 100.0 * float(row["recall"]),
                   "f1": 100.0 * float(row["f1-score"]), "support": float(row["support"])}
            for kind, row in report.items() if not kind.endswith(" avg")}


def surface_scores(tokens: Sequence[Sequence[str]], gold: Tags, predicted: Tags
                   ) -> dict[str, float]:
    """``surface_precision``, ``surface_recall``, ``surface_f1`` (0-100) over unique forms."""
    gold_lists, predicted_lists = _check(gold, predicted)
    if len(tokens) != len(gold_lists) or any(
            len(t) != len(g) for t, g in zip(tokens, gold_lists, strict=True)):
        raise BenchmarkError("NER surface scoring needs the words of every sentence, one per "
                             "tag")
    gold_forms: set[tuple[tuple[str, ...], str]] = set()
    predicted_forms: set[tuple[tuple[str, ...], str]] = set()
    found_forms: set[tuple[tuple[str, ...], str]] = set()
    for words, g, p in zip(tokens, gold_lists, predicted_lists, strict=True):
        gold_entities = set(get_entities(g))
        for entity in get_entities(p):
            form = (tuple(words[entity[1]:entity[2] + 1]), entity[0])
            predicted_forms.add(form)
            if entity in gold_entities:
                found_forms.add(form)
        gold_forms.update((tuple(words[s:e + 1]), kind) for kind, s, e in gold_entities)
    precision = len(found_forms) / len(predicted_forms) if predicted_forms else 0.0
    recall = len(found_forms) / len(gold_forms) if gold_forms else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"surface_precision": 100.0 * precision, "surface_recall": 100.0 * recall,
            "surface_f1": 100.0 * f1}
