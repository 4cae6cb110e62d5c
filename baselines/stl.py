"""Single-task fine-tuning: one fully fine-tuned backbone per task (the paper's baseline)."""

from __future__ import annotations

from baselines.bert_encoder import FullFineTuningMethod
from benchmark.methods.interface import Encoder


class SingleTaskFineTuning(FullFineTuningMethod):
    name = "stl"
    label = "Single-task fine-tuning"
    family = "single-task"
    summary = "single-task fine-tuning: one full BERT per task, every weight trained"
    joint = False
    default_sampler = "sequential"

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        return sum(p.numel() for p in encoder.parameters())
