"""Houlsby et al. (2019) adapters, through AdapterHub's ``adapters`` library.

A bottleneck adapter after the attention block and after the feed-forward block of
every layer (``DoubleSeqBnConfig``: down-projection, swish, up-projection, residual);
adapters, layer norms and the head are trained per task, the backbone is frozen and
shared by all tasks. Per adapter: 2*h*m + h + m parameters for bottleneck m.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import adapters
from adapters import DoubleSeqBnConfig

from baselines.bert_encoder import PlainBertEncoder, load_backbone
from benchmark.errors import BenchmarkError
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
    option_defaults = {"bottleneck": 64, "learning_rate": 1e-3}
    train_options = ("learning_rate",)

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        bottleneck = int(options["bottleneck"])
        bert = load_backbone(backbone)
        hidden = bert.config.hidden_size
        if not 1 <= bottleneck <= hidden:
            raise BenchmarkError(
                f"houlsby bottleneck must be in 1..{hidden} (the hidden size), got {bottleneck}"
            )
        adapters.init(bert)
        bert.add_adapter(
            ADAPTER_NAME, config=DoubleSeqBnConfig(reduction_factor=hidden / bottleneck)
        )
        bert.train_adapter(ADAPTER_NAME)  # freezes everything but the adapter
        for name, param in bert.named_parameters():
            if "LayerNorm" in name and "embeddings" not in name:
                param.requires_grad = True
        return PlainBertEncoder(bert)

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        return sum(p.numel() for p in encoder.parameters() if p.requires_grad)
