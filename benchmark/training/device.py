"""What a run does differently on a GPU: TF32 matmuls, pinned host-to-device copies and an
optional ``torch.compile`` of the encoder. On a CPU every function here is the plain path.

Why each: TF32 runs float32 matmuls on the tensor cores of Ampere and later GPUs (~8x the
IEEE float32 throughput, with a 10-bit mantissa in the products, the precision bf16
autocast already accepts); a copy from pinned host memory with ``non_blocking`` lets the
host prepare the next batch while the GPU works instead of waiting for each transfer; and
``torch.compile`` fuses the encoder's element-wise work into fewer kernels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import torch
from torch import nn

log = logging.getLogger(__name__)


def to_device(batch: Mapping[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """``batch`` on ``device``; on CUDA from pinned memory without blocking the host (the
    copies are ordered on the stream before any kernel that reads them)."""
    if device.type != "cuda":
        return {name: tensor.to(device) for name, tensor in batch.items()}
    return {name: tensor.pin_memory().to(device, non_blocking=True)
            for name, tensor in batch.items()}


@contextmanager
def matmul_precision(tf32: bool) -> Iterator[None]:
    """TF32 float32 matmuls and convolutions on CUDA, on or off, for everything inside (a
    whole run: training, evaluation, diagnostics, forgetting), then the process's setting
    back, so that one run's choice never leaks into the next. Nothing off CUDA."""
    if not torch.cuda.is_available():
        yield
        return
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = tf32
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def compile_encoder(model: nn.Module) -> None:
    """Compile ``model.encoder`` in place (``nn.Module.compile``: its parameter names, and so
    checkpoints and training states, stay those of the eager module). Shapes are dynamic:
    length-grouped batches change width from step to step, and recompiling per width would
    cost more than it saves."""
    torch._dynamo.reset()  # a sweep compiles one encoder per run: stay under the recompile limit
    model.encoder.compile(dynamic=True)
    log.info("encoder compiled with torch.compile (dynamic shapes): the first steps of each "
             "new shape family include compilation time")
