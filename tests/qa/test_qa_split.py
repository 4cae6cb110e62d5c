"""The seeded context-disjoint split of a dev file."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.errors import BenchmarkError
from benchmark.formats.qa import read_qa_file, split_by_context
from benchmark.formats.qa.catalog import mrqa_file


def test_squad_split_is_disjoint_complete_and_seeded(squad_dev) -> None:
    split = split_by_context(squad_dev.examples, 0.5, seed=12)
    train_ids = {e.context_id for e in split.train}
    eval_ids = {e.context_id for e in split.eval}
    assert not train_ids & eval_ids
    assert len(train_ids) == round(0.5 * 2067) and len(train_ids) + len(eval_ids) == 2067
    assert len(split.train) + len(split.eval) == 10507
    assert {e.qid for e in split.train} | {e.qid for e in split.eval} == {
        e.qid for e in squad_dev.examples}
    again = split_by_context(squad_dev.examples, 0.5, seed=12)
    other = split_by_context(squad_dev.examples, 0.5, seed=13)
    assert [e.qid for e in again.train] == [e.qid for e in split.train]
    assert {e.context_id for e in other.train} != train_ids
    assert split.record() == {
        "kind": "split by context of one file", "train_fraction": 0.5, "seed": 12,
        "train_contexts": 1034, "eval_contexts": 1033,
        "train_questions": len(split.train), "eval_questions": len(split.eval)}


def test_repeated_passages_stay_on_one_side(data_dir: Path) -> None:
    """RelationExtraction repeats 855 passages on other lines, with other questions."""
    examples = read_qa_file(mrqa_file(data_dir, "RelationExtraction", "dev")).examples
    split = split_by_context(examples, 0.7, seed=0)
    train_texts = {e.context for e in split.train}
    assert not train_texts & {e.context for e in split.eval}
    assert len(train_texts) == round(0.7 * 2093)


def test_keeps_one_passage_on_each_side(squad_dev) -> None:
    few = [e for e in squad_dev.examples if e.context_id in {
        squad_dev.examples[0].context_id, squad_dev.examples[-1].context_id}]
    split = split_by_context(few, 0.01, seed=1)
    assert len({e.context_id for e in split.train}) == 1
    assert len({e.context_id for e in split.eval}) == 1


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, -0.2])
def test_fraction_outside_zero_one(squad_dev, fraction: float) -> None:
    with pytest.raises(BenchmarkError, match="strictly between 0 and 1"):
        split_by_context(squad_dev.examples, fraction, seed=0)


def test_one_passage_cannot_be_split(squad_dev) -> None:
    one = [e for e in squad_dev.examples if e.context_id == squad_dev.examples[0].context_id]
    with pytest.raises(BenchmarkError, match="at least 2 distinct passages, found 1"):
        split_by_context(one, 0.5, seed=0)
