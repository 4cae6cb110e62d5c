"""Conditional attention: the tensor-op block-diagonal layout equals the paper's construction."""

from __future__ import annotations

import math

import pytest
import torch

from camtl.attention import ConditionalBlockBias
from camtl.config import block_layout


def paper_layout(modulated: torch.Tensor, blocks: int, length: int) -> torch.Tensor:
    """The reference construction for one task: chunk rows, block_diag, crop to L x L."""
    return torch.block_diag(*modulated.chunk(blocks, 0))[:, :length]


@pytest.mark.parametrize(
    ("hidden", "length"), [(384, 128), (768, 128), (1024, 128), (64, 32), (384, 64), (96, 32)]
)
def test_block_bias_matches_block_diag_of_row_chunks(hidden, length):
    torch.manual_seed(0)
    blocks, width = block_layout(hidden, length)
    assert width == math.ceil(length / blocks)
    module = ConditionalBlockBias(hidden, length, blocks)
    with torch.no_grad():
        module.matrix.normal_()
    condition = torch.randn(3, hidden)
    bias = module(condition, length, length)
    scale, shift = module.film.coefficients(condition)
    for task in range(3):
        modulated = scale[task] * module.matrix + shift[task]
        torch.testing.assert_close(bias[task], paper_layout(modulated, blocks, length))


def test_crop_is_the_top_left_corner_and_rows_can_be_cut():
    torch.manual_seed(0)
    module = ConditionalBlockBias(384, 128, 3)
    with torch.no_grad():
        module.matrix.normal_()
    condition = torch.randn(2, 384)
    full = module(condition, 128, 128)
    torch.testing.assert_close(module(condition, 50, 50), full[:, :50, :50])
    torch.testing.assert_close(module(condition, 1, 50), full[:, :1, :50])


def test_zero_matrix_and_zero_generator_give_zero_bias():
    module = ConditionalBlockBias(64, 32, 2)
    with torch.no_grad():
        module.film.generator.weight.zero_()
    assert module(torch.randn(4, 64), 32, 32).abs().max() == 0


def test_gradients_reach_the_matrix_and_its_generator():
    module = ConditionalBlockBias(64, 32, 2)
    module(torch.randn(2, 64), 20, 20).square().sum().backward()
    assert module.film.generator.weight.grad is not None
    assert module.matrix.grad is not None


def test_block_layout_error_names_sizes_that_work():
    with pytest.raises(ValueError) as error:
        block_layout(100, 128)
    message = str(error.value)
    assert "128, 256, 384" in message
    assert "max_length must divide it" in message and "10, 20, 25, 50, 100" in message
