"""BitFit (Ben Zaken et al., 2022) as a camtl-bench plugin: only bias terms train.

One shared encoder serves every task; its weights stay frozen and only the bias
vectors (plus the harness's task heads) are trained, jointly on all tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from transformers import AutoModel

from benchmark.methods import Encoder, EncoderOutput, Method
from benchmark.tasks.spec import TaskSpec
from camtl.backbones import resolve_backbone


class BiasOnlyEncoder(Encoder):
    """A BERT whose only trainable parameters are its biases."""

    def __init__(self, backbone: str):
        super().__init__()
        self.bert = AutoModel.from_pretrained(resolve_backbone(backbone))
        self.hidden_size = self.bert.config.hidden_size
        for name, param in self.bert.named_parameters():
            param.requires_grad = name.endswith(".bias")

    def forward(self, input_ids, attention_mask, token_type_ids, task_ids, all_positions=False):
        out = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )  # every position is computed anyway: all_positions changes nothing here
        return EncoderOutput(tokens=out.last_hidden_state, pooled=out.pooler_output)


class BitFit(Method):
    name = "bitfit"
    label = "BitFit (bias terms only)"
    family = "multi-task"
    dependencies = ("transformers",)
    summary = "BitFit: shared frozen BERT, only bias terms and task heads trained"
    joint = True
    default_sampler = "proportional"
    option_defaults = {"learning_rate": 1e-3}
    train_options = ("learning_rate",)  # this option is a training setting: it overrides it

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        return BiasOnlyEncoder(backbone)
