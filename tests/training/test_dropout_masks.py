"""CPU dropout masks cut from random words: torch's dropout distribution, other draws, and every
dropout of a real encoder routed through them while training (none while evaluating)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.errors import BenchmarkError
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.config import TrainConfig
from benchmark.training.dropout_masks import dropout_masks, keep_mask
from benchmark.training.heads import MultiTaskModel, multitask_loss

CPU = torch.device("cpu")


def test_masks_keep_each_element_with_probability_one_minus_p_independently():
    torch.manual_seed(0)
    count = 4_000_000
    for p in (0.1, 0.5, 0.9):
        keep, scale = keep_mask((count,), p)
        rate = keep.float().mean().item()
        # 6 standard errors of a Bernoulli(1 - p) mean over 4M draws
        assert abs(rate - (1 - p)) < 6 * ((p * (1 - p) / count) ** 0.5), (p, rate)
        assert scale == pytest.approx(1 / (1 - p), rel=1e-4)
        # neighbours are independent: the four slices of one word are no more alike than chance
        pairs = keep.view(-1, 4)
        both = (pairs[:, 0] & pairs[:, 3]).float().mean().item()
        assert abs(both - (1 - p) ** 2) < 6 * ((count / 4) ** -0.5), (p, both)


def test_dropout_keeps_the_expectation_and_its_gradient_uses_the_same_mask():
    torch.manual_seed(1)
    x = torch.rand(512, 512, requires_grad=True)
    with dropout_masks("int16", CPU) as taken:
        out = F.dropout(x, 0.1, training=True)
    assert taken == {"dropout": 1, "attention": 0}
    kept = out != 0
    assert torch.allclose(out[kept], x[kept] * (65536 / (65536 - 6554)))
    assert abs(out.mean().item() - x.mean().item()) < 0.01
    out.sum().backward()
    assert torch.equal(x.grad != 0, kept)  # the backward drops what the forward dropped


def test_the_same_seed_gives_the_same_masks_and_another_seed_others():
    def draw(seed: int) -> torch.Tensor:
        torch.manual_seed(seed)
        with dropout_masks("int16", CPU):
            return F.dropout(torch.ones(64, 64), 0.2, training=True)

    assert torch.equal(draw(3), draw(3))
    assert not torch.equal(draw(3), draw(4))


def test_attention_with_dropout_is_softmax_then_the_mask_then_values():
    generator = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 7, 8, generator=generator, requires_grad=True)
               for _ in range(3))
    padding = torch.zeros(2, 1, 1, 7)
    padding[1, ..., 5:] = torch.finfo(torch.float32).min
    torch.manual_seed(5)
    with dropout_masks("int16", CPU) as taken:
        out = F.scaled_dot_product_attention(q, k, v, padding, dropout_p=0.25)
    assert taken == {"dropout": 0, "attention": 1}
    torch.manual_seed(5)
    keep, scale = keep_mask((2, 3, 7, 7), 0.25)
    probs = ((q @ k.transpose(-2, -1)) / 8**0.5 + padding).softmax(-1)
    expected = (probs * keep * scale) @ v
    assert torch.allclose(out, expected, atol=1e-5)
    grads = torch.autograd.grad(out.square().sum(), (q, k, v))
    wanted = torch.autograd.grad(expected.square().sum(), (q, k, v))
    for got, want in zip(grads, wanted, strict=True):
        assert torch.allclose(got, want, atol=1e-4)
    # without dropout the mode leaves torch's fused kernel alone
    with dropout_masks("int16", CPU) as taken:
        no_dropout = F.scaled_dot_product_attention(q, k, v, padding)
    assert taken == {"dropout": 0, "attention": 0}
    assert torch.allclose(no_dropout, probs @ v, atol=1e-5)


def test_attention_under_bf16_autocast_computes_in_float32_as_torch_s_math_path_does():
    """Under autocast torch rounds q, k and v to bf16 and its CPU math path (the one dropout
    takes) computes softmax and products in float32: the mode must not do them in bf16."""
    generator = torch.Generator().manual_seed(2)
    q, k, v = (4 * torch.randn(2, 3, 16, 8, generator=generator) for _ in range(3))
    torch.manual_seed(7)
    with dropout_masks("int16", CPU), torch.autocast("cpu", dtype=torch.bfloat16):
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.1)
    assert out.dtype == torch.bfloat16  # what torch returns under autocast
    torch.manual_seed(7)
    keep, scale = keep_mask((2, 3, 16, 16), 0.1)
    q32, k32, v32 = (x.bfloat16().float() for x in (q, k, v))
    expected = ((q32 @ k32.transpose(-2, -1) / 8**0.5).softmax(-1) * keep * scale) @ v32
    error = (out.float() - expected).abs().max().item()
    # one bf16 rounding of the output (8 bits of mantissa), not bf16 scores and probabilities
    assert error <= expected.abs().max().item() * 2**-8, error


def test_a_row_masked_throughout_is_left_to_torch():
    q = torch.randn(1, 2, 3, 4)
    mask = torch.zeros(1, 1, 3, 3)
    mask[0, 0, 1] = float("-inf")  # the second query row may attend to nothing
    with dropout_masks("int16", CPU) as taken:
        F.scaled_dot_product_attention(q, q, q, mask, dropout_p=0.1)
    assert taken == {"dropout": 0, "attention": 0}


def test_what_the_mode_leaves_to_torch():
    x = torch.ones(8, 8)
    with dropout_masks("int16", CPU) as taken:
        assert torch.equal(F.dropout(x, 0.1, training=False), x)  # evaluation
        F.dropout(x.clone(), 0.1, training=True, inplace=True)
        F.dropout(x, 1e-9, training=True)  # rounds to no level: torch's own
        causal = torch.randn(1, 1, 4, 8)
        F.scaled_dot_product_attention(causal, causal, causal, dropout_p=0.1, is_causal=True)
    assert taken == {"dropout": 0, "attention": 0}
    with dropout_masks("torch", CPU) as taken:
        assert taken is None
    with dropout_masks("int16", torch.device("meta")) as taken:  # any device but the CPU
        assert taken is None


@pytest.mark.parametrize("method_name", ["mtl", "camtl", "houlsby"])
def test_every_dropout_of_a_real_encoder_goes_through_the_masks(method_name, data_dir,
                                                             minilm_tokenizer):
    """The embedded MiniLM (6 layers) under each kind of encoder, on real RTE rows: in
    training every dropout (embeddings, attention probabilities, the two per layer after
    attention and feed-forward, the head's) is routed; in evaluation none is."""
    from camtl.backbones import DEFAULT_BACKBONE

    task = get_task("rte")
    method = get_method(method_name)
    torch.manual_seed(0)
    encoder = method.build_encoder(DEFAULT_BACKBONE, [task], method.resolve_options(None), 128)
    model = MultiTaskModel(encoder, [task])
    rows = tokenize_examples(load_split(task, "train", data_dir, allow_hub=False)[:4], task,
                             minilm_tokenizer, 128, None)
    batch = collate([(0, row) for row in rows], minilm_tokenizer.pad_token_id)
    layers = 6
    model.train()
    with dropout_masks("int16", CPU) as taken:
        loss = multitask_loss(model(batch), batch, model.tasks)
    loss.backward()
    assert taken["attention"] == layers
    assert taken["dropout"] >= 1 + 2 * layers  # embeddings, two per layer, and the head's
    model.eval()
    with dropout_masks("int16", CPU) as taken, torch.no_grad():
        model(batch)
    assert taken == {"dropout": 0, "attention": 0}


def test_the_default_is_the_masks_and_torch_s_own_stays_available():
    assert TrainConfig().dropout_masks == "int16"
    assert TrainConfig(dropout_masks="torch").dropout_masks == "torch"
    with pytest.raises(BenchmarkError, match="dropout_masks must be int16 or torch"):
        TrainConfig(dropout_masks="Torch")
