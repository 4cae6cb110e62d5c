"""One CA-MTL encoder layer: a BERT layer with the conditional modules its spec asks for.

Sub-module names follow ``transformers``' ``BertLayer`` (attention.self.query,
attention.output.LayerNorm, intermediate.dense, output.dense, ...) so that pretrained weights
load by name and the state dict stays recognisable.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import PretrainedConfig
from transformers.activations import ACT2FN

from camtl.adapter import TopAdapter
from camtl.attention import ConditionalBlockBias, ConditionalSelfAttention
from camtl.config import LayerSpec
from camtl.film import TaskConditioning
from camtl.layernorm import apply_layer_norm, layer_norm
from camtl.linear import Linear


class _ResidualOutput(nn.Module):
    """``LayerNorm(dropout(dense(x)) + residual)`` with a plain or conditional LayerNorm."""

    def __init__(self, in_size: int, config: PretrainedConfig, conditional: bool) -> None:
        super().__init__()
        self.dense = Linear(in_size, config.hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.LayerNorm = layer_norm(
            config.hidden_size, config.hidden_size, config.layer_norm_eps, conditional
        )

    def forward(
        self, x: torch.Tensor, residual: torch.Tensor, conditioning: TaskConditioning | None
    ) -> torch.Tensor:
        return apply_layer_norm(
            self.LayerNorm, self.dropout(self.dense(x)) + residual, conditioning
        )


class _Attention(nn.Module):
    def __init__(
        self,
        config: PretrainedConfig,
        block_bias: ConditionalBlockBias | None,
        conditional_ln: bool,
    ) -> None:
        super().__init__()
        self.self = ConditionalSelfAttention(
            config.hidden_size,
            config.num_attention_heads,
            config.attention_probs_dropout_prob,
            block_bias,
        )
        self.output = _ResidualOutput(config.hidden_size, config, conditional_ln)

    def forward(
        self,
        hidden: torch.Tensor,
        padding_bias: torch.Tensor,
        conditioning: TaskConditioning | None,
        query_rows: int | None,
    ) -> torch.Tensor:
        context = self.self(hidden, padding_bias, conditioning, query_rows)
        residual = hidden if query_rows is None else hidden[:, :query_rows]
        return self.output(context, residual, conditioning)


class _Intermediate(nn.Module):
    def __init__(self, config: PretrainedConfig) -> None:
        super().__init__()
        self.dense = Linear(config.hidden_size, config.intermediate_size)
        act = config.hidden_act
        self.intermediate_act_fn = ACT2FN[act] if isinstance(act, str) else act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(x))


class CaMtlLayer(nn.Module):
    """A BERT layer plus conditional attention / layer norm / top adapter per ``spec``."""

    def __init__(
        self, config: PretrainedConfig, spec: LayerSpec, max_length: int, num_blocks: int
    ) -> None:
        super().__init__()
        self.spec = spec
        block_bias = (
            ConditionalBlockBias(config.hidden_size, max_length, num_blocks)
            if spec.conditional_attention
            else None
        )
        self.attention = _Attention(config, block_bias, spec.conditional_layer_norm)
        self.intermediate = _Intermediate(config)
        self.output = _ResidualOutput(config.intermediate_size, config, spec.conditional_layer_norm)
        self.adapter = (
            TopAdapter(config.hidden_size, config.layer_norm_eps, spec.conditional_layer_norm)
            if spec.top_adapter
            else None
        )

    def forward(
        self,
        hidden: torch.Tensor,
        padding_bias: torch.Tensor,
        conditioning: TaskConditioning | None,
        query_rows: int | None = None,
    ) -> torch.Tensor:
        """``[N, l, h] -> [N, l, h]``, or ``[N, query_rows, h]`` when only [CLS] is needed.

        Every operation after the attention scores is position-wise, so when only the pooled
        [CLS] output is wanted the top layer computes its query, feed-forward and adapter for
        that one position: exact, and it skips nearly all the top layer's work.
        """
        attention_output = self.attention(hidden, padding_bias, conditioning, query_rows)
        layer_output = self.output(
            self.intermediate(attention_output), attention_output, conditioning
        )
        if self.adapter is not None:
            assert conditioning is not None
            layer_output = self.adapter(layer_output, attention_output, conditioning)
        return layer_output
