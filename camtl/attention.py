"""Conditional attention: a task-modulated block-diagonal bias added to the attention scores.

The learned matrix W (L x s, s = ceil(L / N), zero at start) is FiLM-modulated by z'_i, cut
into N row blocks that are laid out block-diagonally and cropped to L x L. Entry (r, c) of
that L x L matrix is ``W'[r, c mod s]`` when r and c fall in the same block (``r // s ==
c // s``) and 0 otherwise; the encoder builds it for all tasks at once from two precomputed
index tensors, then crops to the batch's own padded length l <= L.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from camtl.film import FiLM, TaskConditioning
from camtl.linear import Linear


class ConditionalBlockBias(nn.Module):
    """The block-diagonal attention bias of one layer, for every task at once."""

    def __init__(self, condition_size: int, max_length: int, num_blocks: int) -> None:
        super().__init__()
        self.max_length = max_length
        self.block_size = -(-max_length // num_blocks)
        self.matrix = nn.Parameter(torch.zeros(max_length, self.block_size))
        self.film = FiLM(condition_size, self.block_size)
        positions = torch.arange(max_length)
        self.register_buffer("column_index", positions % self.block_size, persistent=False)
        same_block = (positions[:, None] // self.block_size) == (
            positions[None, :] // self.block_size
        )
        self.register_buffer("block_mask", same_block, persistent=False)

    def forward(self, condition: torch.Tensor, rows: int, columns: int) -> torch.Tensor:
        """Bias ``[T, rows, columns]``: the top-left corner of each task's L x L matrix."""
        scale, shift = self.film.coefficients(condition)  # [T, s] each
        modulated = torch.addcmul(shift[:, None, :], self.matrix[None, :rows], scale[:, None, :])
        spread = modulated.index_select(-1, self.column_index[:columns])
        return spread * self.block_mask[:rows, :columns]


class ConditionalSelfAttention(nn.Module):
    """BERT self-attention with an optional conditional block-diagonal bias.

    Parameter names match ``transformers``' ``BertSelfAttention`` (query, key, value), so
    pretrained weights load by name. The bias is added to the scaled scores before the padding
    mask and the softmax, all inside ``scaled_dot_product_attention``'s additive mask.
    """

    def __init__(
        self,
        hidden_size: int,
        num_heads: int,
        dropout: float,
        block_bias: ConditionalBlockBias | None,
    ) -> None:
        super().__init__()
        if hidden_size % num_heads != 0:
            raise ValueError(f"hidden size {hidden_size} is not a multiple of {num_heads} heads")
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.query = Linear(hidden_size, hidden_size)
        self.key = Linear(hidden_size, hidden_size)
        self.value = Linear(hidden_size, hidden_size)
        self.dropout = dropout
        self.block_bias = block_bias

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_size).transpose(1, 2)

    def forward(
        self,
        hidden: torch.Tensor,
        padding_bias: torch.Tensor,
        conditioning: TaskConditioning | None,
        query_rows: int | None = None,
    ) -> torch.Tensor:
        """Context vectors ``[N, q, h]``; ``query_rows=1`` computes the [CLS] query only."""
        batch, length, hidden_size = hidden.shape
        queries = hidden if query_rows is None else hidden[:, :query_rows]
        q = self._heads(self.query(queries))
        k = self._heads(self.key(hidden))
        v = self._heads(self.value(hidden))
        mask = padding_bias
        if self.block_bias is not None:
            if conditioning is None or conditioning.transformed is None:
                raise ValueError("conditional attention needs the task conditioning")
            bias = self.block_bias(conditioning.transformed, q.shape[2], length)
            mask = bias[conditioning.task_ids].unsqueeze(1) + padding_bias
        if mask.dtype != q.dtype:  # autocast: keep padding finite in the lower precision
            mask = mask.to(q.dtype).clamp_min(torch.finfo(q.dtype).min)
        context = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0
        )
        return context.transpose(1, 2).reshape(batch, q.shape[2], hidden_size)
