"""Houlsby et al. (2019) adapters, through AdapterHub's ``adapters`` library.

A bottleneck adapter after the attention block and after the feed-forward block of
every layer (``DoubleSeqBnConfig``: down-projection, swish, up-projection, residual);
adapters, layer norms and the head are trained per task, the backbone is frozen and
shared by all tasks. Per adapter: 2*h*m + h + m parameters for bottleneck m.

The head reads BERT's pooler (dense + tanh on [CLS]), which trains with it by default
(``train_pooler``): the two-layer head (dense + tanh, then the output layer) that
AdapterHub's classification heads default to. Frozen, the head reads a projection of [CLS]
that pretraining fit to no task: all-MiniLM-L6-v2 was trained on mean-pooled embeddings, and
with its pooler frozen Houlsby adapters stayed at CoLA's majority class (MCC 0.0 on the learn
budget, at adapter learning rates 3e-4, 1e-3 and 3e-3; 18.9 with it trained).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import adapters
from adapters import DoubleSeqBnConfig

from baselines.bert_encoder import PlainBertEncoder, load_backbone
from benchmark.errors import BenchmarkError
from benchmark.formats.registry import format_of
from benchmark.methods.interface import Encoder, Method
from benchmark.tasks.spec import TaskSpec

ADAPTER_NAME = "task"


class HoulsbyAdapters(Method):
    name = "houlsby"
    label = "Houlsby adapters"
    family = "adapter"
    dependencies = ("adapters",)
    summary = "Houlsby adapters: frozen BERT, per-task bottleneck adapters + layer norms + head"
    joint = False
    default_sampler = "sequential"
    option_defaults = {"bottleneck": 64, "learning_rate": 1e-3, "train_pooler": True}
    train_options = ("learning_rate",)

    def check_build(self, backbone_config: Mapping[str, Any], options: Mapping[str, Any],
                    max_length: int) -> None:
        """In planning, before any run of the sweep trains: the bottleneck must fit."""
        hidden = backbone_config.get("hidden_size")
        _check_bottleneck(int(options["bottleneck"]), hidden if isinstance(hidden, int) else None)

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        bottleneck = int(options["bottleneck"])
        bert = load_backbone(backbone)
        hidden = bert.config.hidden_size
        _check_bottleneck(bottleneck, hidden)
        adapters.init(bert)
        bert.add_adapter(
            ADAPTER_NAME, config=DoubleSeqBnConfig(reduction_factor=hidden / bottleneck)
        )
        bert.train_adapter(ADAPTER_NAME)  # freezes everything but the adapter
        # a span or token head reads every position's state, never the pooler
        pooler = options["train_pooler"] and any(not format_of(t).token_states for t in tasks)
        for name, param in bert.named_parameters():
            layer_norm = "LayerNorm" in name and "embeddings" not in name
            if layer_norm or (pooler and name.startswith("pooler.")):
                param.requires_grad = True
        return PlainBertEncoder(bert)

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        return sum(p.numel() for p in encoder.parameters() if p.requires_grad)


def _check_bottleneck(bottleneck: int, hidden: int | None) -> None:
    """The adapter's bottleneck lies in 1..hidden (the upper end unchecked without it)."""
    if bottleneck < 1 or (hidden is not None and bottleneck > hidden):
        top = hidden if hidden is not None else "the hidden size"
        raise BenchmarkError(f"houlsby bottleneck must be in 1..{top} (the hidden size), got "
                             f"{bottleneck}; pass --method-option houlsby.bottleneck=64")
