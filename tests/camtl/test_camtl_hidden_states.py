"""``CaMtlEncoder.hidden_states``: every layer's token states, as the forgetting
measurement reads them, consistent with the encoder's own forward pass."""

from __future__ import annotations

import torch

from camtl import CaMtlConfig, CaMtlEncoder


def _batch():
    """Four rows of the tiny vocabulary, two of them padded."""
    generator = torch.Generator().manual_seed(3)
    ids = torch.randint(1, 120, (4, 20), generator=generator)
    mask = torch.ones_like(ids)
    mask[2, 12:] = mask[3, 5:] = 0
    return ids, mask, torch.zeros_like(ids)


def test_one_state_per_layer_and_the_top_one_is_the_output(tiny_encoder):
    ids, mask, types = _batch()
    tasks = torch.tensor([0, 1, 2, 0])
    with torch.no_grad():
        states = tiny_encoder.hidden_states(ids, mask, types, tasks)
        full = tiny_encoder.encode(ids, mask, types, tasks, output_sequence=True)
        recorded = tiny_encoder.encode(ids, mask, types, tasks, output_sequence=True,
                                       layer_states=[])
        cls_only = tiny_encoder.encode(ids, mask, types, tasks)
    assert len(states) == len(tiny_encoder.layers) + 1
    assert all(s.shape == (4, ids.shape[1], tiny_encoder.hidden_size) for s in states)
    assert torch.equal(states[-1], full.sequence)  # base recipe: no chained adapters
    assert torch.equal(recorded.pooled, full.pooled)  # recording changes nothing
    assert torch.allclose(cls_only.pooled, full.pooled, atol=1e-5)  # [CLS]-only top layer


def test_states_follow_the_task_only_when_the_encoder_is_conditioned(tiny):
    ids, mask, types = _batch()
    conditioned = CaMtlEncoder.from_backbone(tiny, CaMtlConfig(num_tasks=2, max_length=32))
    plain = CaMtlEncoder.from_backbone(tiny, CaMtlConfig(
        num_tasks=2, max_length=32, conditional_attention=False, conditional_adapter=False,
        conditional_layer_norm=False))
    assert conditioned.task_conditioned and not plain.task_conditioned
    for encoder, differs in ((conditioned, True), (plain, False)):
        encoder.eval()
        with torch.no_grad():
            first = encoder.hidden_states(ids, mask, types, torch.zeros(4, dtype=torch.long))
            second = encoder.hidden_states(ids, mask, types, torch.ones(4, dtype=torch.long))
        assert (not torch.equal(first[-1], second[-1])) == differs
