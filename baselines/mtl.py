"""Standard multi-task learning: one fully fine-tuned shared encoder, one head per task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from baselines.bert_encoder import PlainBertEncoder, load_backbone
from benchmark.methods.interface import Encoder, Method
from benchmark.tasks.spec import TaskSpec


class StandardMultiTask(Method):
    name = "mtl"
    summary = "standard MTL (MT-DNN style): shared fully fine-tuned BERT, proportional sampling"
    joint = True
    default_sampler = "proportional"

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        return PlainBertEncoder(load_backbone(backbone))
