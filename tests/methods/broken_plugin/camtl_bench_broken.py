"""Methods that each break one conformance rule; the tests register them as a plugin would be.

Each is BitFit-like (biases train, weight matrices frozen) except for its one defect, so
the battery must fail exactly the rule that defect breaks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
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


class DriftingEncoder(BiasOnlyEncoder):
    """Declares the word embeddings frozen, then shrinks them on every training forward."""

    def forward(self, input_ids, attention_mask, token_type_ids, task_ids, all_positions=False):
        if self.training:
            with torch.no_grad():
                self.bert.embeddings.word_embeddings.weight.mul_(0.999)
        return super().forward(input_ids, attention_mask, token_type_ids, task_ids)


class TokenStatesEncoder(BiasOnlyEncoder):
    """Gives every token's hidden state where the pooled vector per row belongs."""

    def forward(self, input_ids, attention_mask, token_type_ids, task_ids, all_positions=False):
        states = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        return EncoderOutput(tokens=states, pooled=states)


class InterfaceOneEncoder(BiasOnlyEncoder):
    """Written for plugin interface 1: no all_positions, forward returns the pooled tensor."""

    def forward(self, input_ids, attention_mask, token_type_ids, task_ids):
        return self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).pooler_output


class _BiasOnlyMethod(Method):
    joint = True
    default_sampler = "proportional"
    encoder_class: type[BiasOnlyEncoder] = BiasOnlyEncoder

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        return self.encoder_class(backbone)


class FrozenButTrained(_BiasOnlyMethod):
    name = "broken-frozen"
    summary = "test only: claims frozen word embeddings but changes them while training"
    label = "Broken: frozen but trained"
    family = "multi-task"
    encoder_class = DriftingEncoder


class WrongShape(_BiasOnlyMethod):
    name = "broken-shape"
    summary = "test only: forward returns token states, not one vector per row"
    label = "Broken: wrong shape"
    family = "multi-task"
    encoder_class = TokenStatesEncoder


class OldInterface(_BiasOnlyMethod):
    name = "broken-old-interface"
    summary = "test only: an encoder written for plugin interface 1 (returns a tensor)"
    label = "Broken: old interface"
    family = "multi-task"
    encoder_class = InterfaceOneEncoder


class Unlabelled(_BiasOnlyMethod):
    name = "broken-unlabelled"
    summary = "test only: declares neither a label nor a family"
