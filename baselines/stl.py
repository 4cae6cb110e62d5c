"""Single-task fine-tuning: one fully fine-tuned backbone per task (the paper's baseline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from baselines.bert_encoder import PlainBertEncoder, load_backbone
from benchmark.methods.interface import Encoder, Method
from benchmark.tasks.spec import TaskSpec


class SingleTaskFineTuning(Method):
    name = "stl"
    summary = "single-task fine-tuning: one full BERT per task, every weight trained"
    joint = False
    default_sampler = "sequential"

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        return PlainBertEncoder(load_backbone(backbone))

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        return sum(p.numel() for p in encoder.parameters())
