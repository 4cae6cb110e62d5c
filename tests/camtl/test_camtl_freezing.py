"""The freezing rule: exactly the documented groups train; frozen weights never move."""

from __future__ import annotations

import torch
from camtl_helpers import tiny_config

from camtl import CaMtlConfig, CaMtlEncoder, CaMtlForMultiTask

TRAINED_GROUPS = {
    "task_embedding",
    "task_transformation",
    "conditional_alignment",
    "conditional_attention",
    "conditional_layer_norm",
    "adapters",
    "pretrained_layers",
    "new_top_layer",
    "pooler",
}


def test_exactly_the_documented_groups_require_grad(tiny):
    encoder = CaMtlEncoder.from_backbone(tiny, CaMtlConfig(num_tasks=3, max_length=32))
    groups = encoder.parameter_groups()
    assert set(encoder.trainable_groups()) == TRAINED_GROUPS
    assert set(groups) == TRAINED_GROUPS | {"embeddings", "frozen_layers"}
    trainable = {n for n, p in encoder.named_parameters() if p.requires_grad}
    assert trainable == {n for g in TRAINED_GROUPS for n in groups[g]}
    # 4 layers: layer 0 frozen (pretrained weights), layers 1-2 train, layer 3 is new
    assert all(
        n.startswith(("layers.0.", "embeddings."))
        for n in groups["frozen_layers"] + groups["embeddings"]
    )
    assert "layers.0.attention.self.block_bias.matrix" in trainable
    assert "layers.0.attention.self.block_bias.film.generator.weight" in trainable
    assert "layers.0.attention.self.query.weight" not in trainable
    assert {n.split(".")[1] for n in groups["new_top_layer"]} == {"3"}
    # every parameter is in exactly one group
    names = [n for ns in groups.values() for n in ns]
    assert sorted(names) == sorted(n for n, _ in encoder.named_parameters())


def test_reference_option_freezes_the_attention_film_of_frozen_layers(tiny):
    config = CaMtlConfig(num_tasks=2, max_length=32, freeze_attention_film_in_frozen_layers=True)
    encoder = CaMtlEncoder.from_backbone(tiny, config)
    assert encoder.parameter_groups()["frozen_attention_film"] == [
        "layers.0.attention.self.block_bias.film.generator.weight",
        "layers.0.attention.self.block_bias.film.generator.bias",
    ]
    assert "frozen_attention_film" not in encoder.trainable_groups()


def test_large_recipe_groups():
    config = CaMtlConfig(num_tasks=2, max_length=32, recipe="large")
    encoder = CaMtlEncoder.from_backbone(tiny_config(), config)
    frozen_layers = {n.split(".")[1] for n in encoder.parameter_groups()["frozen_layers"]}
    assert frozen_layers == {"0", "1"}
    assert "new_top_layer" not in encoder.parameter_groups()
    assert {n.split(".")[1] for n in encoder.parameter_groups()["adapters"]} == {"0", "1", "2", "3"}


def test_no_freeze_trains_everything_and_standard_mtl_has_no_conditioning(tiny):
    config = CaMtlConfig(
        num_tasks=2,
        max_length=32,
        conditional_attention=False,
        conditional_layer_norm=False,
        conditional_adapter=False,
        freeze=False,
    )
    encoder = CaMtlEncoder.from_backbone(tiny, config)
    assert all(p.requires_grad for p in encoder.parameters())
    assert set(encoder.parameter_groups()) == {"embeddings", "pretrained_layers", "pooler"}
    assert encoder.task_specific_parameter_count(0) == 0


def test_one_optimizer_step_leaves_frozen_weights_bit_identical(tiny):
    encoder = CaMtlEncoder.from_backbone(tiny, CaMtlConfig(num_tasks=3, max_length=32))
    model = CaMtlForMultiTask(encoder, [2, 1, 3]).train()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.01
    )
    ids = torch.randint(1, 120, (6, 24))
    task_ids = torch.tensor([0, 1, 2, 0, 1, 2])
    labels = torch.tensor([1.0, 0.3, 2.0, 0.0, -1.2, 1.0])
    model(ids, None, None, task_ids, labels=labels).loss.backward()
    optimizer.step()
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen and all(model.get_parameter(n).grad is None for n in frozen)
    for name, parameter in model.named_parameters():
        if name in frozen:
            assert torch.equal(parameter, before[name]), name
        else:
            assert not torch.equal(parameter, before[name]), name
    groups = model.trainable_groups()
    assert set(groups) == TRAINED_GROUPS | {"heads"}
    assert set(sum(groups.values(), [])) == {
        n for n, p in model.named_parameters() if p.requires_grad
    }
