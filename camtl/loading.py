"""Reading a BERT-family backbone: its config, its weights, its embedding module.

Only the pretrained parts are taken from the checkpoint: embeddings, the encoder layers the
recipe keeps, the pooler. Their names in ``transformers``' models are the names used here,
so loading is a rename of the ``encoder.layer.{i}.`` prefix and a strict check of what moved.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel

SUPPORTED_MODEL_TYPES = ("bert", "roberta", "xlm-roberta", "camembert")
"""Model types whose layers are BERT layers (same module names and maths)."""

_ROBERTA_LIKE = {"roberta", "xlm-roberta", "camembert"}

BackboneSource = str | os.PathLike | PretrainedConfig | PreTrainedModel


def check_backbone_config(config: PretrainedConfig, max_length: int) -> None:
    """Refuse backbones the CA-MTL layers cannot reproduce, saying why."""
    model_type = getattr(config, "model_type", None)
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ValueError(
            f"backbone of model type {model_type!r} is not BERT-family; CA-MTL supports "
            f"{', '.join(SUPPORTED_MODEL_TYPES)} (encoders built of BERT layers)"
        )
    position_type = getattr(config, "position_embedding_type", "absolute")
    if position_type != "absolute":
        raise ValueError(
            f"position_embedding_type {position_type!r} is not supported (absolute only)"
        )
    if getattr(config, "is_decoder", False):
        raise ValueError("decoder configurations are not supported: CA-MTL conditions an encoder")
    usable = usable_positions(config)
    if max_length > usable:
        raise ValueError(f"max_length {max_length} exceeds the backbone's {usable} positions")


def usable_positions(config: PretrainedConfig) -> int:
    """Positions the embeddings can encode (RoBERTa offsets them by padding_idx + 1)."""
    if config.model_type in _ROBERTA_LIKE:
        return config.max_position_embeddings - config.pad_token_id - 1
    return config.max_position_embeddings


def read_backbone(
    source: BackboneSource,
) -> tuple[PretrainedConfig, dict[str, torch.Tensor] | None]:
    """``(config, state dict or None)``; None for a bare config (random initialisation)."""
    if isinstance(source, PretrainedConfig):
        return source, None
    if isinstance(source, PreTrainedModel):
        return source.config, _base_state_dict(source)
    config = AutoConfig.from_pretrained(source)
    check_backbone_config(config, 1)
    model = AutoModel.from_pretrained(source, config=config)
    return config, _base_state_dict(model)


def _base_state_dict(model: PreTrainedModel) -> dict[str, torch.Tensor]:
    """The encoder's state dict without a task head's ``bert.``/``roberta.`` prefix."""
    base = getattr(model, "base_model", model)
    return {name: tensor.detach() for name, tensor in base.state_dict().items()}


def build_embeddings(config: PretrainedConfig) -> nn.Module:
    """The family's own embedding module (RoBERTa's derives positions from padding)."""
    if config.model_type == "bert":
        from transformers.models.bert.modeling_bert import BertEmbeddings

        return BertEmbeddings(config)
    if config.model_type in _ROBERTA_LIKE:
        from transformers.models.roberta.modeling_roberta import RobertaEmbeddings

        return RobertaEmbeddings(config)
    raise ValueError(f"no embedding module for model type {config.model_type!r}")


def config_from_dict(data: dict[str, Any]) -> PretrainedConfig:
    """Rebuild a backbone config saved with ``to_dict`` (no network)."""
    data = dict(data)
    model_type = data.pop("model_type")
    return AutoConfig.for_model(model_type, **data)


def rename_pretrained(
    state: dict[str, torch.Tensor], kept_layers: list[int]
) -> dict[str, torch.Tensor]:
    """Map a backbone's names to the encoder's; layers not in ``kept_layers`` are dropped."""
    kept = set(kept_layers)
    renamed = {}
    for name, tensor in state.items():
        if name.startswith("encoder.layer."):
            index_text, rest = name[len("encoder.layer.") :].split(".", 1)
            if int(index_text) in kept:
                renamed[f"layers.{index_text}.{rest}"] = tensor
        elif name.startswith(("embeddings.", "pooler.")):
            renamed[name] = tensor
    return renamed
