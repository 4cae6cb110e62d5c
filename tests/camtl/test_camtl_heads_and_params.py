"""Task heads, the mixed-batch loss, parameter accounting and its command."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from camtl_helpers import tiny_config
from transformers import BertConfig, BertModel

from camtl import CaMtlConfig, CaMtlEncoder, CaMtlForMultiTask, count_parameters
from camtl.accounting import ParameterCounts
from camtl.params import main


def test_packed_heads_equal_separate_linear_heads(tiny_encoder):
    model = CaMtlForMultiTask(tiny_encoder, [2, 1, 3]).eval()
    ids = torch.randint(1, 120, (5, 10))
    task_ids = torch.tensor([2, 0, 1, 2, 0])
    out = model(ids, None, None, task_ids)
    pooled = tiny_encoder(ids, None, None, task_ids)
    weights = model.heads.weight.split([2, 1, 3])
    biases = model.heads.bias.split([2, 1, 3])
    for row, task in enumerate(task_ids.tolist()):
        expected = F.linear(pooled[row], weights[task], biases[task])
        width = (2, 1, 3)[task]
        torch.testing.assert_close(out.logits[row, :width], expected)
        assert out.logits[row, width:].abs().sum() == 0


def test_loss_is_the_mean_of_per_task_losses(tiny_encoder):
    model = CaMtlForMultiTask(tiny_encoder, [2, 1, 3]).eval()
    ids = torch.randint(1, 120, (6, 10))
    task_ids = torch.tensor([0, 1, 2, 0, 1, 0])
    labels = torch.tensor([1.0, 0.7, 2.0, 0.0, -0.4, 1.0])
    out = model(ids, None, None, task_ids, labels=labels)
    logits = out.logits
    ce0 = F.cross_entropy(logits[[0, 3, 5], :2], torch.tensor([1, 0, 1]))
    mse1 = F.mse_loss(logits[[1, 4], 0], torch.tensor([0.7, -0.4]))
    ce2 = F.cross_entropy(logits[[2], :3], torch.tensor([2]))
    torch.testing.assert_close(out.per_task_loss, torch.stack([ce0, mse1, ce2]))
    torch.testing.assert_close(out.loss, (ce0 + mse1 + ce2) / 3)
    single = model(ids[:1], None, None, task_ids[:1], labels=labels[:1])
    assert torch.isnan(single.per_task_loss[1:]).all()


def test_count_parameters_is_generic_over_requires_grad():
    bert = BertModel(
        BertConfig(
            vocab_size=50,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=40,
        )
    )
    for parameter in bert.embeddings.parameters():
        parameter.requires_grad_(False)
    counts = count_parameters(bert, 4, task_specific=[10, 10, 0, 5])
    total = sum(p.numel() for p in bert.parameters())
    frozen = sum(p.numel() for p in bert.embeddings.parameters())
    assert (counts.total, counts.frozen, counts.trainable) == (total, frozen, total - frozen)
    assert counts.to_serve == counts.frozen_shared + counts.trainable
    assert counts.shared == total - 25 and counts.trained_per_task == (total - frozen) / 4
    both = ParameterCounts.combine([counts, counts])
    assert both.trainable == 2 * counts.trainable and both.frozen == counts.frozen
    assert both.to_serve == counts.frozen + 2 * counts.trainable


def test_camtl_task_specific_parameters_are_embedding_row_and_head(tiny_encoder):
    model = CaMtlForMultiTask(tiny_encoder, [2, 1, 3])
    counts = count_parameters(model, 3)
    assert counts.task_specific == (64 + 2 * 65, 64 + 65, 64 + 3 * 65)


def _bert_base_layer(h=768, ff=3072):
    return 4 * (h * h + h) + (h * ff + ff) + (ff * h + h) + 4 * h


def test_bert_base_eight_tasks_term_by_term(capsys):
    report = main(["--config", "bert-base", "--tasks", "8", "--json"])
    h, length, blocks = 768, 128, 6
    width = -(-length // blocks)  # 22
    film = h * 2 * h + 2 * h
    groups = {g: v["parameters"] for g, v in report["groups"].items()}
    assert report["backbone_parameters"] == 109_482_240
    assert groups["embeddings"] == 30522 * h + 512 * h + 2 * h + 2 * h
    assert groups["task_embedding"] == 8 * h
    assert groups["task_transformation"] == h * h + h
    assert groups["conditional_alignment"] == film
    assert groups["conditional_attention"] == 12 * (length * width + h * 2 * width + 2 * width)
    assert groups["conditional_layer_norm"] == 12 * film  # 2 CLNs in each of layers 6-11
    adapter = (h * h + h) + film + (h * 256 + 256) + (256 * h + h)
    assert groups["adapters"] == adapter + film + 2 * h  # + the adapter's own CLN
    assert groups["frozen_layers"] == 5 * _bert_base_layer()
    assert groups["pretrained_layers"] == 6 * _bert_base_layer()
    assert groups["new_top_layer"] == _bert_base_layer()
    assert groups["pooler"] == h * h + h
    assert groups["heads"] == 16 * h + 16
    assert report["total"] == sum(groups.values())
    assert report["frozen"] == groups["embeddings"] + groups["frozen_layers"]
    assert report["to_serve"] == report["total"]
    assert "trainable" in capsys.readouterr().out


def test_command_prints_a_table(capsys):
    main(["--config", "minilm", "--tasks", "3"])
    out = capsys.readouterr().out
    assert "recipe base (6 layers)" in out and "frozen_layers" in out


def test_encoder_counts_match_meta_and_real_construction():
    config = CaMtlConfig(num_tasks=2, max_length=32)
    real = CaMtlEncoder.from_backbone(tiny_config(), config)
    with torch.device("meta"):
        meta = CaMtlEncoder.from_backbone(tiny_config(), config)
    assert count_parameters(real, 2) == count_parameters(meta, 2)
