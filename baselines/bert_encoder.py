"""A plain pretrained BERT as an encoder: its token states and pooled [CLS] output, task ids
ignored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import Tensor
from transformers import AutoConfig, AutoModel, PreTrainedModel

from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Encoder, EncoderOutput, Method
from benchmark.tasks.spec import TaskSpec
from camtl.backbones import resolve_backbone


def load_backbone(backbone: str) -> PreTrainedModel:
    """Load a BERT-family checkpoint with its pooler, or say clearly why not."""
    path = resolve_backbone(backbone)
    try:
        config = AutoConfig.from_pretrained(path)
    except OSError as exc:
        raise BenchmarkError(
            f"cannot load backbone {backbone!r}: {exc}. Give a local checkpoint folder or, online, "
            "a Hub name such as bert-base-cased; the embedded default is all-MiniLM-L6-v2."
        ) from exc
    if config.model_type != "bert":
        raise BenchmarkError(
            f"backbone {backbone!r} is a {config.model_type!r} model; camtl-bench methods need a "
            "BERT-family checkpoint (model_type 'bert'), e.g. bert-base-cased or all-MiniLM-L6-v2"
        )
    return AutoModel.from_pretrained(path, add_pooling_layer=True)


class PlainBertEncoder(Encoder):
    """The backbone as-is; what trains is decided by the method that built it."""

    def __init__(self, bert: PreTrainedModel):
        super().__init__()
        self.bert = bert
        self.hidden_size = bert.config.hidden_size

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor,
        token_type_ids: Tensor,
        task_ids: Tensor,
        all_positions: bool = False,
    ) -> EncoderOutput:
        """Every position is computed anyway, so ``all_positions`` changes nothing."""
        out = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return EncoderOutput(tokens=out.last_hidden_state, pooled=out.pooler_output)


class FullFineTuningMethod(Method):
    """Base of the methods that train a plain BERT's every weight (stl, mtl)."""

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        return PlainBertEncoder(load_backbone(backbone))
