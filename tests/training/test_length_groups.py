"""Length groups: a mixed batch of short CoLA and long RTE rows run as two passes gives the
gradient of the one padded batch, on the real MiniLM CA-MTL model and real rows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch
from accelerate import Accelerator

from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel, multitask_loss, task_losses
from benchmark.training.length_groups import (
    MAX_GROUPS,
    MIN_GROUP,
    MIN_SAVING,
    PASS_OVERHEAD,
    group_loss,
    length_groups,
    loss_units,
)
from benchmark.training.loop import _forward_backward
from camtl.backbones import DEFAULT_BACKBONE

MAX_LENGTH = 128


@pytest.fixture(scope="module")
def mixed(data_dir: Path, minilm_tokenizer):
    """12 CoLA sentences, 8 RTE pairs and 6 STS-B pairs, interleaved as a sampler mixes them."""
    tasks = [get_task(n) for n in ("cola", "rte", "stsb")]
    per_task = []
    for index, (task, n) in enumerate(zip(tasks, (12, 8, 6), strict=True)):
        examples = load_split(task, "train", data_dir, allow_hub=False)[:n]
        features = tokenize_examples(examples, task, minilm_tokenizer, MAX_LENGTH, None)
        per_task.append([(index, f) for f in features])
    items = [item for group in per_task for item in group]
    order = torch.randperm(len(items), generator=torch.Generator().manual_seed(0)).tolist()
    return tasks, [items[i] for i in order]


def _padded(items) -> int:
    rows = sum(len(e.input_ids) for _, e in items)
    return rows * max(len(r) for _, e in items for r in e.input_ids)


def test_a_mixed_batch_splits_and_pads_far_fewer_tokens(mixed) -> None:
    _, items = mixed
    groups = length_groups(items)
    assert 2 <= len(groups) <= MAX_GROUPS
    assert sorted(i for g in groups for i in g) == list(range(len(items)))
    assert all(g == sorted(g) and len(g) >= MIN_GROUP for g in groups)  # the batch's order
    split = sum(_padded([items[i] for i in g]) for g in groups)
    assert split <= (1 - MIN_SAVING) * _padded(items)
    for shorter, longer in zip(groups, groups[1:], strict=False):
        longest = max(len(r) for i in shorter for r in items[i][1].input_ids)
        shortest = min(max(len(r) for r in items[i][1].input_ids) for i in longer)
        assert longest <= shortest


def test_a_batch_of_short_sentences_stays_one_pass(mixed) -> None:
    """CoLA's 12 sentences pad fewer tokens than a second pass costs (``PASS_OVERHEAD``)."""
    _, items = mixed
    cola = [item for item in items if item[0] == 0]
    assert _padded(cola) < 2 * PASS_OVERHEAD
    assert length_groups(cola) == [list(range(len(cola)))]
    assert length_groups(items[:MIN_GROUP]) == [list(range(MIN_GROUP))]


def test_the_groups_give_the_whole_batch_loss_and_gradient(mixed) -> None:
    tasks, items = mixed
    method = get_method("camtl")
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(DEFAULT_BACKBONE, tasks,
                                                method.resolve_options({}), MAX_LENGTH), tasks)
    model.eval()  # no dropout draw: the two ways must see the same function
    params = [p for p in model.parameters() if p.requires_grad]

    batch = collate(items, 0)
    whole = multitask_loss(model(batch), batch, tasks)
    whole.backward()
    expected = [p.grad.clone() for p in params]
    model.zero_grad(set_to_none=True)

    groups = length_groups(items)
    parts = []
    for group in groups:
        part = collate([items[i] for i in group], 0)
        loss = group_loss(task_losses(model(part), part, tasks),
                          loss_units([items[i] for i in group], tasks), loss_units(items, tasks))
        loss.backward()
        parts.append(loss.detach())
    assert float(sum(parts)) == pytest.approx(float(whole.detach()), rel=1e-5)
    for got, want in zip((p.grad for p in params), expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)

    model.zero_grad(set_to_none=True)  # the loop's own path: the same loss and gradient
    loss = _forward_backward(model, items, 0, "fp32", Accelerator(cpu=True))
    assert float(loss) == pytest.approx(float(whole.detach()), rel=1e-5)
    torch.testing.assert_close(params[0].grad, expected[0], rtol=1e-4, atol=1e-6)


def test_shards_of_word_and_window_level_losses_add_up_to_the_whole_batch(
        data_dir: Path, minilm_tokenizer) -> None:
    """RTE pairs, WNUT 2017 sentences (loss: a mean over words) and SQuAD questions (a mean
    over windows) in one batch, split in two uneven shards as two processes would train it:
    each shard weighted by its share of each task's loss terms, the two add up to the whole
    batch's loss and gradient. Weighted by examples instead, they would not: the shards hold
    different numbers of words and windows per example."""
    tasks = [get_task(n) for n in ("rte", "wnut17", "squad")]
    per_task = []
    for index, task in enumerate(tasks):
        examples = load_split(task, "dev", data_dir, allow_hub=False)[:4]
        features = tokenize_examples(examples, task, minilm_tokenizer, MAX_LENGTH, None)
        per_task.append([(index, f) for f in features])
    items = [item for row in zip(*per_task, strict=True) for item in row]
    units = loss_units(items[:5], tasks)
    examples = Counter(task for task, _ in items[:5])
    assert units[1] > examples[1] and units[2] > examples[2], "words and windows, not examples"
    method = get_method("mtl")
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(DEFAULT_BACKBONE, tasks,
                                                method.resolve_options({}), MAX_LENGTH), tasks)
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    batch = collate(items, 0)
    whole = multitask_loss(model(batch), batch, tasks)
    whole.backward()
    expected = [p.grad.clone() if p.grad is not None else None for p in params]
    model.zero_grad(set_to_none=True)
    accelerator = Accelerator(cpu=True)
    shards = [_forward_backward(model, part, 0, "fp32", accelerator, items)
              for part in (items[:5], items[5:])]  # gradients accumulate: their sum
    assert float(sum(shards)) == pytest.approx(float(whole.detach()), rel=1e-5)
    for got, want in zip((p.grad for p in params), expected, strict=True):
        if want is not None:
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)
