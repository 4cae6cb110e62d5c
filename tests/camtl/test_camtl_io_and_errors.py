"""safetensors round trip, other BERT-family backbones, and the clear errors."""

from __future__ import annotations

import pytest
import torch
from camtl_helpers import tiny_config
from transformers import BertModel, GPT2Config, RobertaConfig

from camtl import CaMtlConfig, CaMtlEncoder, CaMtlForMultiTask, LayerRecipe


def test_encoder_round_trip(tmp_path, tiny):
    config = CaMtlConfig(num_tasks=3, max_length=32, task_names=("a", "b", "c"))
    encoder = CaMtlEncoder.from_backbone(tiny, config).eval()
    with torch.no_grad():
        encoder.layers[0].attention.self.block_bias.matrix.normal_()
    encoder.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    loaded = CaMtlEncoder.from_pretrained(tmp_path).eval()
    assert loaded.config == encoder.config
    for (name, a), (_, b) in zip(
        encoder.state_dict().items(), loaded.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    ids = torch.randint(1, 120, (4, 16))
    task_ids = torch.tensor([0, 1, 2, 1])
    torch.testing.assert_close(
        loaded(ids, None, None, task_ids), encoder(ids, None, None, task_ids)
    )
    assert {n for n, p in loaded.named_parameters() if p.requires_grad} == {
        n for n, p in encoder.named_parameters() if p.requires_grad
    }


def test_model_round_trip_with_explicit_recipe(tmp_path):
    recipe = LayerRecipe("custom", 4, (2, 3), True, False, (0, 1))
    encoder = CaMtlEncoder.from_backbone(tiny_config(), CaMtlConfig(2, 32, recipe=recipe))
    model = CaMtlForMultiTask(encoder, [3, 1]).eval()
    model.save_pretrained(tmp_path)
    loaded = CaMtlForMultiTask.from_pretrained(tmp_path).eval()
    assert loaded.encoder.recipe == recipe and loaded.num_classes == (3, 1)
    ids = torch.randint(1, 120, (3, 10))
    torch.testing.assert_close(
        loaded(ids, None, None, torch.tensor([0, 1, 0])).logits,
        model(ids, None, None, torch.tensor([0, 1, 0])).logits,
    )


def test_loads_from_a_bert_model_instance():
    bert = BertModel(tiny_config())
    encoder = CaMtlEncoder.from_backbone(bert, CaMtlConfig(num_tasks=2, max_length=32))
    assert torch.equal(
        encoder.layers[1].output.dense.weight, bert.encoder.layer[1].output.dense.weight
    )
    assert torch.equal(encoder.pooler.dense.weight, bert.pooler.dense.weight)


def test_roberta_family_backbone_runs():
    config = RobertaConfig(
        vocab_size=120,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=96,
        max_position_embeddings=40,
        pad_token_id=1,
    )
    encoder = CaMtlEncoder.from_backbone(config, CaMtlConfig(num_tasks=2, max_length=32)).eval()
    ids = torch.randint(3, 120, (2, 12))
    assert encoder(ids, None, None, torch.tensor([0, 1])).shape == (2, 64)


def test_task_id_outside_range(tiny_encoder):
    ids = torch.randint(1, 120, (2, 8))
    with pytest.raises(ValueError, match=r"task id 3 outside 0\.\.2"):
        tiny_encoder(ids, None, None, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"task id -1 outside"):
        tiny_encoder(ids, None, None, torch.tensor([-1, 0]))
    with pytest.raises(ValueError, match="task_ids is required"):
        tiny_encoder(ids, None, None, None)
    with pytest.raises(ValueError, match="task index 5"):
        tiny_encoder.task_specific_parameter_count(5)


def test_sequence_longer_than_max_length(tiny_encoder):
    with pytest.raises(ValueError, match="sequence length 33 exceeds max_length 32"):
        tiny_encoder(torch.randint(1, 120, (2, 33)), None, None, torch.tensor([0, 1]))


def test_backbone_that_is_not_bert_family():
    with pytest.raises(ValueError, match="'gpt2' is not BERT-family.*bert, roberta"):
        CaMtlEncoder.from_backbone(GPT2Config(), CaMtlConfig(num_tasks=2))


def test_hidden_size_the_blocks_cannot_divide():
    config = tiny_config(hidden_size=48, num_attention_heads=4)
    with pytest.raises(
        ValueError,
        match=r"hidden size 48 is not a multiple of max_length 32.*"
        r"32, 64, 96.*max_length must divide it \(8, 12, 16, 24, 48\)",
    ):
        CaMtlEncoder.from_backbone(config, CaMtlConfig(num_tasks=2, max_length=32))
    # without conditional attention there is no block layout to satisfy
    CaMtlEncoder.from_backbone(
        config, CaMtlConfig(num_tasks=2, max_length=32, conditional_attention=False)
    )


def test_max_length_beyond_positions_and_bad_config():
    with pytest.raises(ValueError, match="exceeds the backbone's 64 positions"):
        CaMtlEncoder.from_backbone(tiny_config(), CaMtlConfig(num_tasks=2, max_length=128))
    with pytest.raises(ValueError, match="num_tasks"):
        CaMtlConfig(num_tasks=0)
