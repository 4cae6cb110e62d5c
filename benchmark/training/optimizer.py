"""The training loop's optimizer: AdamW with BERT's weight-decay groups."""

from __future__ import annotations

import torch

from benchmark.errors import TrainingError
from benchmark.training.config import TrainConfig
from benchmark.training.heads import MultiTaskModel

FUSED_DEVICES = ("cpu", "cuda")
"""Devices with torch's fused AdamW kernel."""


def build_optimizer(
    model: MultiTaskModel, cfg: TrainConfig, device: torch.device | None = None
) -> torch.optim.Optimizer:
    """AdamW without weight decay on biases and LayerNorm weights (BERT convention), as the
    fused kernel when ``cfg.fused_optimizer`` (the record's config says which ran).
    ``device``: where training runs (default: the model's parameters')."""
    device = device or next(model.parameters()).device
    if cfg.fused_optimizer and device.type not in FUSED_DEVICES:
        raise TrainingError(
            f"fused_optimizer: torch has no fused AdamW on {device.type!r} devices (only "
            f"{', '.join(FUSED_DEVICES)}); set fused_optimizer: false in a config file"
        )
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        lowered = name.lower()
        is_norm = "layernorm" in lowered or "layer_norm" in lowered or ".ln" in lowered
        (no_decay if name.endswith("bias") or is_norm else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.learning_rate, fused=cfg.fused_optimizer or None)
