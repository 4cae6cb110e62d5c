"""The pieces: CKA's invariances, the vectorised bootstrap Spearman, settings checks and
the hidden-states protocol's refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from benchmark.errors import BenchmarkError
from benchmark.forgetting import ForgettingSettings, NoHiddenStates, as_hidden_states
from benchmark.forgetting.cka import linear_cka
from benchmark.forgetting.sts import _row_spearman


def test_cka_is_one_under_rotation_and_scaling_and_low_for_unrelated_states():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(500, 32, generator=generator)
    rotation, _ = torch.linalg.qr(torch.randn(32, 32, generator=generator))
    assert linear_cka(x, 3.0 * x @ rotation + 5.0) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(x, torch.randn(500, 32, generator=generator)) < 0.1
    assert linear_cka(x, x * torch.linspace(0.1, 3, 32)) < 0.99  # not invariant per unit


def test_cka_of_a_constant_representation_is_undefined():
    x = torch.randn(50, 4)
    assert np.isnan(linear_cka(x, torch.ones(50, 4)))


def test_row_spearman_matches_scipy_with_ties():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 6, size=(5, 40)).astype(float)  # many ties, as STS-B's scores
    values = gold + rng.normal(size=(5, 40))
    expected = [spearmanr(v, g).statistic for v, g in zip(values, gold, strict=True)]
    np.testing.assert_allclose(_row_spearman(values, gold), expected, atol=1e-12)


@pytest.mark.parametrize("field, value, message", [
    ("sts_pairs", 0, "sts_pairs=0"),
    ("sentences", 10_000, "holds 160 sentences"),
    ("mask_rate", 1.5, "strictly between 0 and 1"),
    ("level", float("nan"), "strictly between 0 and 1"),
    ("n_resamples", 10, "at least 100"),
    ("batch_size", 2.5, "whole number"),
])
def test_bad_settings_are_refused(field, value, message):
    with pytest.raises(BenchmarkError, match=message):
        ForgettingSettings(**{field: value})


def test_encoder_without_states_is_refused_with_the_way_out():
    with pytest.raises(NoHiddenStates, match="hidden_states"):
        as_hidden_states(torch.nn.Linear(2, 2))


def test_protocol_method_receives_the_fixed_task():
    seen = []

    class Conditioned(torch.nn.Module):
        def hidden_states(self, input_ids, attention_mask, token_type_ids, task_ids):
            seen.append(task_ids)
            return [torch.zeros(*input_ids.shape, 4)]

    source = as_hidden_states(Conditioned(), task_id=3)
    source.states(torch.ones(2, 5, dtype=torch.long), torch.ones(2, 5), torch.zeros(2, 5))
    assert source.kind == "protocol" and source.task_id == 3
    assert seen[0].tolist() == [3, 3]


def test_tokenizer_without_padding_is_refused_before_loading_anything(tmp_path):
    from types import SimpleNamespace

    from benchmark.forgetting import ForgettingProbe

    with pytest.raises(BenchmarkError, match="no padding token"):
        ForgettingProbe.prepare("all-MiniLM-L6-v2", SimpleNamespace(pad_token_id=None),
                                tmp_path)
