"""Parameter accounting for a result record, with the definition in docs/results.md.

Per model, trainable and frozen counts come from ``requires_grad``. Frozen weights
stay at their pretrained values, so one copy serves every task; trained weights are
needed once per model trained. Hence ``total_to_serve = frozen_shared + trainable``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import AutoConfig, AutoModel

from benchmark.methods.interface import Method
from benchmark.training.heads import MultiTaskModel
from camtl.backbones import resolve_backbone

DEFINITION = (
    "trainable = parameters with requires_grad, summed over every model trained; "
    "frozen_shared = parameters kept at pretrained values (one copy serves all tasks); "
    "total_to_serve = frozen_shared + trainable; trained_per_task = trainable / T; "
    "trained_per_task_ratio = trained_per_task / backbone; per_task = parameters serving one "
    "task only (head, adapters, task-embedding row, or the whole model for single-task methods)"
)


def backbone_parameter_count(backbone: str) -> int:
    """Parameters of the plain backbone (BertModel with pooler), counted without loading weights."""
    config = AutoConfig.from_pretrained(resolve_backbone(backbone))
    with torch.device("meta"):
        model = AutoModel.from_config(config)
    return sum(p.numel() for p in model.parameters())


def _split(model: torch.nn.Module) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return trainable, frozen


def account_parameters(
    method: Method, models: Sequence[tuple[MultiTaskModel, Sequence[str]]], backbone: str
) -> dict:
    """Parameter block of a record for a joint model or for one model per task."""
    backbone_count = backbone_parameter_count(backbone)
    trainable_total, frozen_shared = 0, 0
    per_task: dict[str, int] = {}
    for model, task_names in models:
        trainable, frozen = _split(model)
        trainable_total += trainable
        frozen_shared = max(frozen_shared, frozen)  # the same frozen backbone, stored once
        for index, name in enumerate(task_names):
            if len(task_names) == 1:
                per_task[name] = trainable
            else:
                head = sum(p.numel() for p in model.heads.heads[index].parameters())
                per_task[name] = head + method.task_specific_parameter_count(model.encoder, index)
    num_tasks = len(per_task)
    per_task_trained = trainable_total / num_tasks
    return {
        "backbone": backbone_count,
        "total_to_serve": frozen_shared + trainable_total,
        "trainable": trainable_total,
        "frozen_shared": frozen_shared,
        "trained_per_task": per_task_trained,
        "trained_per_task_ratio": per_task_trained / backbone_count,
        "per_task": per_task,
        "definition": DEFINITION,
    }
