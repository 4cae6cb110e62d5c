"""The masked-LM part on a tiny trained BertForMaskedLM checkpoint, and its head check.

Unchanged weights must give the identical loss (the same masked batches, the same head);
damaged encoder layers must give a higher loss with an interval above zero; a checkpoint
without a head must say so instead of scoring a randomly initialised head.
"""

from __future__ import annotations

import pytest
import torch
from transformers import BertModel

from benchmark.forgetting import MEASURED, NOT_APPLICABLE, measure_forgetting
from benchmark.forgetting.batches import encode_texts
from benchmark.forgetting.mlm import masked_rows
from benchmark.forgetting.sample_text import SENTENCES


def _measure(checkpoint, trained, tokenizer):
    return measure_forgetting(checkpoint, trained, tokenizer, None)


def test_unchanged_encoder_gives_identical_loss(tiny_masked_lm, minilm_tokenizer):
    result = _measure(tiny_masked_lm, BertModel.from_pretrained(tiny_masked_lm),
                      minilm_tokenizer)
    mlm = result["mlm"]
    assert mlm["status"] == MEASURED
    assert mlm["before"] == mlm["after"] and mlm["delta"] == 0.0
    assert mlm["before"] < 7.0  # trained: well below chance, ln(30522) = 10.3
    assert mlm["n_sentences"] == 160 and 250 < mlm["n_masked_tokens"] < 450
    assert result["cka"]["per_layer"] == pytest.approx([1.0] * 3, abs=1e-5)
    assert result["sts"]["status"] == NOT_APPLICABLE  # not a sentence-embedding model


def test_damaged_encoder_gives_higher_loss(tiny_masked_lm, minilm_tokenizer):
    damaged = BertModel.from_pretrained(tiny_masked_lm)
    torch.manual_seed(1)
    for layer in damaged.encoder.layer:
        layer.apply(damaged._init_weights)
    mlm = _measure(tiny_masked_lm, damaged, minilm_tokenizer)["mlm"]
    assert mlm["after"] > mlm["before"]
    assert mlm["interval"]["low"] > 0  # measured: +0.07 [+0.03, +0.11]


def test_checkpoint_without_head_is_not_applicable(tiny_backbone, minilm_tokenizer):
    result = _measure(tiny_backbone, BertModel.from_pretrained(tiny_backbone),
                      minilm_tokenizer)
    assert result["mlm"]["status"] == NOT_APPLICABLE
    assert "no masked-LM head" in result["mlm"]["reason"]
    assert result["cka"]["status"] == MEASURED  # CKA needs no head and no data


def test_masking_is_seeded_and_spares_special_tokens(minilm_tokenizer):
    rows = encode_texts(minilm_tokenizer, SENTENCES, 128)
    first = masked_rows(rows, minilm_tokenizer.mask_token_id, 0.15, seed=0)
    assert first == masked_rows(rows, minilm_tokenizer.mask_token_id, 0.15, seed=0)
    assert first != masked_rows(rows, minilm_tokenizer.mask_token_id, 0.15, seed=1)
    ordinary = masked = 0
    for row, out in zip(rows, first, strict=True):
        positions = [i for i, label in enumerate(out["labels"]) if label != -100]
        assert positions  # every sentence contributes at least one masked token
        assert all(not row["special_tokens_mask"][i] for i in positions)
        assert all(out["input_ids"][i] == minilm_tokenizer.mask_token_id for i in positions)
        assert all(out["labels"][i] == row["input_ids"][i] for i in positions)
        ordinary += len(row["input_ids"]) - sum(row["special_tokens_mask"])
        masked += len(positions)
    assert masked / ordinary == pytest.approx(0.15, abs=0.01)


def test_states_that_break_the_protocol_are_not_measured(tiny_masked_lm, minilm_tokenizer):
    model = BertModel.from_pretrained(tiny_masked_lm).eval()

    def top_layer_only(input_ids, attention_mask, token_type_ids):
        return [model(input_ids, attention_mask, token_type_ids).last_hidden_state]

    partial = _measure(tiny_masked_lm, top_layer_only, minilm_tokenizer)
    assert partial["states"] == "callable" and partial["mlm"]["delta"] == 0.0
    assert partial["cka"]["status"] == "not measured"
    assert "gives 1 hidden states, the pretrained one 3" in partial["cka"]["reason"]

    def pooled_only(input_ids, attention_mask, token_type_ids):
        return [torch.zeros(input_ids.shape[0], 32)]

    broken = _measure(tiny_masked_lm, pooled_only, minilm_tokenizer)
    assert broken["status"] == "not measured"
    assert "expected" in broken["cka"]["reason"] and "(batch, length, hidden)" in broken[
        "mlm"]["reason"]
