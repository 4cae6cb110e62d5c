"""A span task without its train file trains on half of its dev passages and is scored on
the other half (``TaskSpec.train_fallback``): the real SQuAD dev file, as on these machines."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from benchmark.data.loading import missing_splits, split_fingerprint, uses_train_fallback
from benchmark.formats.registry import format_of
from benchmark.runs.prepare import prepare_tasks, train_sources
from benchmark.runs.spec import Budget
from benchmark.tasks.registry import get_task


def test_squad_trains_on_part_of_dev_when_no_train_file_is_here(data_dir: Path) -> None:
    squad = get_task("squad")
    assert uses_train_fallback(squad, data_dir)
    assert missing_splits([squad], ("train", "dev"), data_dir) == []
    assert split_fingerprint(squad, "train", data_dir) == (
        "part-of:dev:" + split_fingerprint(squad, "dev", data_dir))
    assert split_fingerprint(squad, "dev", data_dir).startswith("sha256:")


def test_out_of_domain_tasks_and_glue_tasks_declare_no_fallback(data_dir: Path) -> None:
    for name in ("drop", "rte"):
        assert not uses_train_fallback(get_task(name), data_dir)
    assert missing_splits([get_task("newsqa")], ("train",), data_dir)  # no dev file either


def test_a_task_without_a_fallback_keeps_the_hash_it_had_before_the_field() -> None:
    rte = get_task("rte")
    declaration = dataclasses.asdict(rte)
    for name in ("description", "display_name", "train_fallback"):
        declaration.pop(name)
    declaration["local"].pop("folder")
    before = hashlib.sha256(json.dumps(declaration, sort_keys=True).encode()).hexdigest()
    assert rte.definition_hash() == before
    with_field = dataclasses.replace(rte, train_fallback=get_task("squad").train_fallback)
    assert with_field.definition_hash() != before


def test_the_two_parts_share_no_passage_and_the_record_says_so(data_dir: Path,
                                                                  minilm_tokenizer) -> None:
    squad = get_task("squad")
    [data] = prepare_tasks([squad], data_dir, minilm_tokenizer, 64,
                           Budget(max_train_samples=60, max_eval_samples=60), seed=12,
                           selection_fraction=0.1)
    assert data.train_source is not None and data.train_source["source"] == "dev"
    assert data.train_source["kind"] == "split by context of one file"
    assert data.train_source["train_questions"] + data.train_source["eval_questions"] == 10507
    trained = {e.meta["context_id"] for e in data.train_examples}
    held = {e.meta["context_id"] for e in data.selection_set.examples}
    scored = {e.meta["context_id"] for e in data.eval_sets[0].examples}
    assert len(data.train_examples) + len(data.selection_set.examples) == 60
    assert len(data.eval_sets[0].examples) == 60
    assert scored.isdisjoint(trained | held)
    assert train_sources([data]) == {"train_from_part_of": {"squad": data.train_source}}
    assert format_of(squad).run_settings(squad, 64)["window_length"] == 64


def test_the_generic_unit_split_keeps_groups_whole(data_dir: Path) -> None:
    from benchmark.data.loading import load_split

    multirc = get_task("multirc")
    examples = load_split(multirc, "dev", data_dir, allow_hub=False)
    train, rest, provenance = format_of(multirc).split_units(examples, 0.5, 0)
    assert len(train) + len(rest) == len(examples)
    assert {e.group for e in train}.isdisjoint(e.group for e in rest)
    assert provenance["train_examples"] == len(train) and provenance["seed"] == 0
    again, _, _ = format_of(multirc).split_units(examples, 0.5, 0)
    assert [e.uid for e in again] == [e.uid for e in train]


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_an_impossible_fraction_is_refused(fraction: float, data_dir: Path) -> None:
    from benchmark.data.loading import load_split
    from benchmark.errors import BenchmarkError

    squad = get_task("squad")
    examples = load_split(squad, "dev", data_dir, allow_hub=False)[:50]
    with pytest.raises(BenchmarkError, match="strictly between 0 and 1"):
        format_of(squad).split_units(examples, fraction, 0)
