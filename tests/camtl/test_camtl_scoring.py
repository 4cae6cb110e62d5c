"""Candidate scoring: exact in fp32 (length chunks), rank-preserving in int8 and bf16."""

from __future__ import annotations

import pytest
import torch
from camtl_helpers import assert_close_to_scale, load_sentences, tiny_config

from camtl import (
    CaMtlConfig,
    CaMtlEncoder,
    CaMtlForMultiTask,
    CandidateScorer,
    mt_uncertainty_scores,
    score_candidates,
    select_most_uncertain,
)


@pytest.fixture(scope="module")
def minilm_model(minilm_path) -> CaMtlForMultiTask:
    torch.manual_seed(0)
    encoder = CaMtlEncoder.from_backbone(minilm_path, CaMtlConfig(num_tasks=3, max_length=128))
    model = CaMtlForMultiTask(encoder, [2, 3, 1]).train()
    with torch.no_grad():
        model.heads.weight.normal_(std=0.1)  # informative heads: entropies that vary
    return model


def _candidates(tokenizer, count: int) -> dict:
    sentences = load_sentences(count)
    return dict(
        tokenizer(sentences, padding=True, truncation=True, max_length=128, return_tensors="pt")
    )


def test_fp32_scoring_in_length_chunks_is_exact(minilm_model, tokenizer):
    batch = _candidates(tokenizer, 24)
    task_ids = torch.arange(24) % 3
    scorer = CandidateScorer(minilm_model, "fp32", chunk_size=5)
    logits = scorer.logits(
        batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], task_ids
    )
    assert minilm_model.training  # the mode is restored
    minilm_model.eval()
    with torch.no_grad():
        expected = minilm_model(
            batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], task_ids
        ).logits
    minilm_model.train()
    assert_close_to_scale(logits, expected)
    scores = score_candidates(
        minilm_model, batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], task_ids
    )
    assert_close_to_scale(scores, mt_uncertainty_scores(expected, task_ids, [2, 3, 1]))


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_reduced_precision_ranking_agrees_with_fp32(minilm_model, tokenizer, precision):
    batch = _candidates(tokenizer, 96)
    task_ids = torch.arange(96) % 3
    args = (batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], task_ids)
    exact = CandidateScorer(minilm_model, "fp32").scores(*args)
    fast = CandidateScorer(minilm_model, precision).scores(*args)
    ranks = torch.stack([exact.argsort().argsort(), fast.argsort().argsort()]).float()
    # int8 (7-bit activations on AVX2) and bf16 (8-bit mantissas) perturb near-equal scores,
    # so ranks move a little ...
    assert torch.corrcoef(ranks)[0, 1] > 0.9
    chosen_exact = select_most_uncertain(exact, 32)
    chosen_fast = select_most_uncertain(fast, 32)
    # ... but what they select is as uncertain, by the fp32 scores, as the fp32 selection
    assert exact[chosen_fast].sum() >= 0.98 * exact[chosen_exact].sum()


def test_int8_cache_follows_weight_updates():
    torch.manual_seed(0)
    encoder = CaMtlEncoder.from_backbone(tiny_config(), CaMtlConfig(num_tasks=2, max_length=32))
    model = CaMtlForMultiTask(encoder, [2, 2])
    scorer = CandidateScorer(model, "int8")
    ids = torch.randint(1, 120, (8, 12))
    task_ids = torch.arange(8) % 2
    first = scorer.logits(ids, None, None, task_ids)
    packs = dict(scorer._int8._packs)
    again = scorer.logits(ids, None, None, task_ids)
    assert torch.equal(first, again)
    assert all(scorer._int8._packs[k][2] is v[2] for k, v in packs.items())  # reused
    trained = model.encoder.layers[2].intermediate.dense
    with torch.no_grad():
        trained.weight.mul_(3.0)
    changed = scorer.logits(ids, None, None, task_ids)
    assert not torch.equal(first, changed)
    assert scorer._int8._packs[id(trained)][2] is not packs[id(trained)][2]
    # the fp32 modules are back in place after scoring
    assert type(model.encoder.layers[0].attention.self.query).__name__ == "Linear"


def test_left_padding_falls_back_to_full_width():
    torch.manual_seed(0)
    encoder = CaMtlEncoder.from_backbone(tiny_config(), CaMtlConfig(num_tasks=2, max_length=32))
    model = CaMtlForMultiTask(encoder, [2, 2]).eval()
    ids = torch.randint(1, 120, (4, 10))
    mask = torch.ones_like(ids)
    mask[1, :3] = 0  # left padded
    logits = CandidateScorer(model, "fp32", chunk_size=2).logits(
        ids, mask, None, torch.tensor([0, 1, 0, 1])
    )
    with torch.no_grad():
        expected = model(ids, mask, None, torch.tensor([0, 1, 0, 1])).logits
    torch.testing.assert_close(logits, expected)


def test_bad_precision():
    encoder = CaMtlEncoder.from_backbone(tiny_config(), CaMtlConfig(num_tasks=2, max_length=32))
    with pytest.raises(ValueError, match="precision"):
        CandidateScorer(CaMtlForMultiTask(encoder, [2, 2]), "fp8")
