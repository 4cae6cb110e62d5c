"""One pass for a mixed batch, crop for dynamic padding, [CLS]-only top layer: all exact."""

from __future__ import annotations

import pytest
import torch
from camtl_helpers import assert_close_to_scale, tiny_config

from camtl import CaMtlConfig, CaMtlEncoder


def _perturb(encoder: CaMtlEncoder) -> CaMtlEncoder:
    """Give every conditional module non-neutral values so that tasks really differ."""
    torch.manual_seed(1)
    with torch.no_grad():
        for name, parameter in encoder.named_parameters():
            if "block_bias.matrix" in name or "film.generator" in name:
                parameter.normal_(std=0.5)
            if name.startswith("task_embedding"):
                parameter.normal_(std=1.0)
    return encoder.eval()


@pytest.fixture
def conditioned(minilm_path) -> CaMtlEncoder:
    return _perturb(CaMtlEncoder.from_backbone(minilm_path, CaMtlConfig(num_tasks=4)))


def _tokens(tokenizer, sentences, **kwargs):
    return tokenizer(sentences, truncation=True, max_length=128, return_tensors="pt", **kwargs)


def test_mixed_batch_equals_task_by_task(conditioned, tokenizer, sentences):
    batch = _tokens(tokenizer, sentences, padding=True)
    task_ids = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3])[: len(sentences)]
    with torch.no_grad():
        mixed = conditioned(
            batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], task_ids
        )
        for task in range(4):
            rows = task_ids == task
            alone = conditioned(
                batch["input_ids"][rows],
                batch["attention_mask"][rows],
                batch["token_type_ids"][rows],
                task_ids[rows],
            )
            assert_close_to_scale(mixed[rows], alone)
        # and the tasks do condition the output
        other = conditioned(
            batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], (task_ids + 1) % 4
        )
    assert (other - mixed).abs().max() > 1e-3


def test_dynamic_padding_equals_padding_to_max_length(conditioned, tokenizer, sentences):
    dynamic = _tokens(tokenizer, sentences, padding=True)
    padded = _tokens(tokenizer, sentences, padding="max_length")
    assert dynamic["input_ids"].shape[1] < padded["input_ids"].shape[1] == 128
    task_ids = torch.arange(len(sentences)) % 4
    with torch.no_grad():
        short = conditioned.encode(
            dynamic["input_ids"],
            dynamic["attention_mask"],
            dynamic["token_type_ids"],
            task_ids,
            output_sequence=True,
        )
        long = conditioned.encode(
            padded["input_ids"],
            padded["attention_mask"],
            padded["token_type_ids"],
            task_ids,
            output_sequence=True,
        )
    # tolerances relative to the compared values' scale: float32 rounding, not a bug
    # (FLOAT32_ROUNDING); the sequence outputs reach ~120, the pooled ones stay below 1
    assert_close_to_scale(short.pooled, long.pooled)
    length = dynamic["input_ids"].shape[1]
    real = dynamic["attention_mask"].bool()
    assert_close_to_scale(short.sequence[real], long.sequence[:, :length][real])
    # and no blanket tolerance: attending to one padding token of the shortest row fails it
    leaky = padded["attention_mask"].clone()
    row = int(dynamic["attention_mask"].sum(1).argmin())
    leaky[row, int(leaky[row].sum())] = 1
    with torch.no_grad():
        leaked = conditioned.encode(
            padded["input_ids"], leaky, padded["token_type_ids"], task_ids, output_sequence=True
        )
    with pytest.raises(AssertionError):
        assert_close_to_scale(short.sequence[real], leaked.sequence[:, :length][real])


@pytest.mark.parametrize("recipe", ["base", "large"])
def test_cls_only_top_layer_gives_the_same_pooled_output(recipe):
    torch.manual_seed(0)
    encoder = _perturb(
        CaMtlEncoder.from_backbone(
            tiny_config(), CaMtlConfig(num_tasks=3, max_length=32, recipe=recipe)
        )
    )
    ids = torch.randint(1, 120, (6, 20))
    mask = torch.ones_like(ids)
    mask[2, 12:] = 0
    task_ids = torch.tensor([0, 1, 2, 2, 1, 0])
    with torch.no_grad():
        fast = encoder(ids, mask, None, task_ids)
        cls_only = encoder.encode(ids, mask, None, task_ids)
        full = encoder.encode(ids, mask, None, task_ids, output_sequence=True)
    assert_close_to_scale(fast, full.pooled)
    assert full.sequence.shape == (6, 20, 64)
    assert cls_only.sequence.shape == (6, 1, 64)  # the one position the top layer computed
    assert_close_to_scale(cls_only.sequence, full.sequence[:, :1])


def test_cls_only_path_has_the_same_gradients(tiny):
    encoder = CaMtlEncoder.from_backbone(tiny, CaMtlConfig(num_tasks=2, max_length=32)).eval()
    ids = torch.randint(1, 120, (4, 16))
    task_ids = torch.tensor([0, 1, 1, 0])
    encoder(ids, None, None, task_ids).square().sum().backward()
    fast = {n: p.grad.clone() for n, p in encoder.named_parameters() if p.grad is not None}
    encoder.zero_grad()
    encoder.encode(ids, None, None, task_ids, output_sequence=True).pooled.square().sum().backward()
    for name, parameter in encoder.named_parameters():
        if parameter.grad is not None:
            torch.testing.assert_close(fast[name], parameter.grad, rtol=1e-4, atol=1e-7)
