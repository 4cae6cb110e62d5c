"""Standard multi-task learning: one fully fine-tuned shared encoder, one head per task."""

from __future__ import annotations

from baselines.bert_encoder import FullFineTuningMethod


class StandardMultiTask(FullFineTuningMethod):
    name = "mtl"
    label = "Standard MTL"
    family = "multi-task"
    summary = "standard MTL (MT-DNN style): shared fully fine-tuned BERT, proportional sampling"
    joint = True
    default_sampler = "proportional"
