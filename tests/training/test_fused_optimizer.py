"""The fused AdamW kernel: the update of torch's default kernel up to rounding, recorded."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from benchmark.errors import TrainingError
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.config import TrainConfig
from benchmark.training.heads import MultiTaskModel
from benchmark.training.optimizer import build_optimizer


def _model(backbone: str) -> MultiTaskModel:
    tasks = [get_task("rte")]
    method = get_method("mtl")
    encoder = method.build_encoder(backbone, tasks, method.resolve_options(None), 32)
    return MultiTaskModel(encoder, tasks)


def test_fused_and_default_kernels_take_the_same_steps(tiny_backbone):
    fused_cfg = TrainConfig(learning_rate=1e-3)
    assert fused_cfg.fused_optimizer  # the default
    default_cfg = dataclasses.replace(fused_cfg, fused_optimizer=False)
    torch.manual_seed(0)
    fused_model = _model(tiny_backbone)
    default_model = _model(tiny_backbone)
    default_model.load_state_dict(fused_model.state_dict())
    fused = build_optimizer(fused_model, fused_cfg)
    default = build_optimizer(default_model, default_cfg)
    assert fused.defaults["fused"] and not default.defaults["fused"]
    generator = torch.Generator().manual_seed(1)
    for _ in range(3):
        for a, b in zip(fused_model.parameters(), default_model.parameters(), strict=True):
            grad = torch.randn(a.shape, generator=generator)
            a.grad, b.grad = grad.clone(), grad.clone()
        fused.step()
        default.step()
    for (name, a), b in zip(fused_model.named_parameters(), default_model.parameters(),
                            strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-6), name  # rounding, not another rule
    start = _model(tiny_backbone).state_dict()  # the checkpoint's weights (heads: new draws)
    changed = max((p - start[n]).abs().max().item() for n, p in fused_model.named_parameters()
                  if n in start and "heads" not in n)
    assert changed > 1e-4  # the steps did move the weights: the comparison means something


def test_a_device_without_the_kernel_is_refused_with_the_way_out(tiny_backbone):
    with pytest.raises(TrainingError, match="fused_optimizer: false"):
        build_optimizer(_model(tiny_backbone), TrainConfig(), torch.device("mps"))
