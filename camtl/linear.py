"""``nn.Linear`` whose bf16-autocast product runs on fp32 kernels on CPUs without bf16 units.

Under autocast, a bf16 linear rounds its operands to bf16, multiplies them with fp32
accumulation and rounds the result to bf16. A product of two bf16 numbers is exact in fp32,
so the same result (up to summation order) comes from casting the bf16 operands to fp32,
using the fp32 kernel and casting the output back; gradients follow the same casts, so they
are rounded to bf16 exactly where autocast rounds them. On CPUs without native bf16
(AVX2 only), oneDNN emulates bf16 products 5x (forward) to 40x (input gradient) slower
than fp32, so this is what makes bf16 autocast usable there. CPUs with bf16 units
(avx512_bf16, AMX) and other devices keep the native path.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (oneDNN's check, else /proc/cpuinfo)."""
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    if check is not None:
        try:
            return bool(check())
        except RuntimeError:
            pass
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return True  # unknown: keep the native path
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _emulating_bf16(x: torch.Tensor) -> bool:
    return (
        x.device.type == "cpu"
        and torch.is_autocast_enabled("cpu")
        and torch.get_autocast_dtype("cpu") == torch.bfloat16
        and not cpu_has_native_bf16()
    )


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``F.linear`` with autocast's bf16 rounding computed on fp32 kernels where faster."""
    if not _emulating_bf16(x):
        return F.linear(x, weight, bias)
    bf16 = torch.bfloat16
    with torch.autocast("cpu", enabled=False):
        out = F.linear(
            x.to(bf16).float(),
            weight.to(bf16).float(),
            None if bias is None else bias.to(bf16).float(),
        )
    return out.to(bf16)


class Linear(nn.Linear):
    """``nn.Linear`` (same parameters and state dict) using ``linear`` above."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return linear(x, self.weight, self.bias)
