"""Tokenization cache and mixed-task collation."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from benchmark.data.collate import collate
from benchmark.data.examples import Example
from benchmark.data.loading import load_split
from benchmark.data.tokenize import TokenizedExample, tokenize_examples
from benchmark.tasks.registry import get_task


def test_second_call_is_a_cache_hit_with_equal_features(data_dir, tokenizer, tmp_path) -> None:
    task = get_task("rte")
    examples = load_split(task, "dev", data_dir)
    first = tokenize_examples(examples, task, tokenizer, 64, tmp_path)
    second = tokenize_examples(examples, task, tokenizer, 64, tmp_path)
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert second.cache_path == first.cache_path and first.cache_path.is_file()
    assert list(second) == list(first) and len(first) == 277
    assert all(x.length <= 64 for x in first)
    assert first[0].label == float(examples[0].label)
    # any change of the inputs is a different entry
    assert not tokenize_examples(examples, task, tokenizer, 32, tmp_path).cache_hit
    assert not tokenize_examples(examples[:-1], task, tokenizer, 64, tmp_path).cache_hit
    assert len(list(tmp_path.glob("rte-*.npz"))) == 3


def test_features_match_the_tokenizer(data_dir, tokenizer, tmp_path) -> None:
    copa = get_task("copa")
    examples = load_split(copa, "dev", data_dir)[:3]
    items = tokenize_examples(examples, copa, tokenizer, 128, None)
    assert not items.cache_hit
    lead, choice = examples[0].choices[1]
    expected = tokenizer(lead, choice)
    assert items[0].input_ids[1] == expected["input_ids"]
    assert items[0].token_type_ids[1] == expected["token_type_ids"]
    assert items[0].num_rows == 2 and items[0].label == 1.0


def test_unknown_labels(tokenizer) -> None:
    stsb, rte = get_task("stsb"), get_task("rte")
    unlabeled = [Example("x", ("a", "b"))]
    assert math.isnan(tokenize_examples(unlabeled, stsb, tokenizer, 16, None)[0].label)
    assert tokenize_examples(unlabeled, rte, tokenizer, 16, None)[0].label == -1.0


def test_unreadable_cache_entry_is_rebuilt(data_dir, tokenizer, tmp_path: Path) -> None:
    task = get_task("wnli")
    examples = load_split(task, "dev", data_dir)
    first = tokenize_examples(examples, task, tokenizer, 64, tmp_path)
    first.cache_path.write_bytes(b"garbage")
    again = tokenize_examples(examples, task, tokenizer, 64, tmp_path)
    assert not again.cache_hit and list(again) == list(first)


def test_collate_mixed_task_types_with_dynamic_padding() -> None:
    cls = TokenizedExample([[101, 7, 8, 102]], [[0, 0, 0, 0]], 1.0)
    reg = TokenizedExample([[101, 5, 102, 6, 102]], [[0, 0, 0, 1, 1]], 3.5)
    mc = TokenizedExample([[101, 1, 102, 2, 3, 4, 102], [101, 1, 102, 9, 102]],
                          [[0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1]], 0.0)
    batch = collate([(0, cls), (2, mc), (1, reg)], pad_token_id=0)
    assert batch["input_ids"].shape == (4, 7)  # 4 rows, padded to the longest row
    assert batch["input_ids"].dtype == torch.long
    assert batch["attention_mask"].sum(1).tolist() == [4, 7, 5, 5]
    assert batch["input_ids"][0].tolist() == [101, 7, 8, 102, 0, 0, 0]
    assert batch["token_type_ids"][1].tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert batch["task_ids"].tolist() == [0, 2, 2, 1]
    assert batch["row_example"].tolist() == [0, 1, 1, 2]
    assert batch["example_task"].tolist() == [0, 2, 1]
    assert batch["labels"].dtype == torch.float32
    assert batch["labels"].tolist() == [1.0, 0.0, 3.5]
    short = collate([(0, cls)], pad_token_id=0)
    assert short["input_ids"].shape == (1, 4)


def test_collate_real_mixed_batch(data_dir, tokenizer) -> None:
    items = []
    for index, name in enumerate(("sst2", "stsb", "copa")):
        task = get_task(name)
        items.append((index, tokenize_examples(load_split(task, "dev", data_dir)[:2], task,
                                               tokenizer, 128, None)))
    batch = collate([(i, x) for i, xs in items for x in xs], tokenizer.pad_token_id)
    longest = max(x.length for _, xs in items for x in xs)
    assert batch["input_ids"].shape == (2 + 2 + 4, longest)
    assert batch["row_example"].tolist() == [0, 1, 2, 3, 4, 4, 5, 5]
