"""Int8 copies of the token-wise linear layers, for scoring only (ranking needs no fp32).

On CPUs without native bf16 (AVX2 only), bf16 matrix products are slower than fp32, while
int8 dynamic quantization (per-output-channel int8 weights, per-batch int8 activations,
int32 accumulation, fbgemm kernels) is the reduced precision that is actually faster. The
int8 weights are cached per layer and rebuilt only when the layer's weights changed (an
optimizer step bumps the parameters' version counters), so the frozen layers are quantized
once and the trained ones once per scoring call.
"""

from __future__ import annotations

import contextlib
import warnings
import weakref
from collections.abc import Iterator

import torch
from torch import nn

TOKEN_WISE_LINEARS = ("query", "key", "value", "dense", "down", "up")
"""Linear layers applied to every token; the FiLM generators and the task transformation
run on T rows only and the heads on N rows, so quantizing them would save nothing."""


def int8_available() -> bool:
    """Whether this torch build has the fbgemm/x86 dynamic int8 linear kernels."""
    return hasattr(torch.ops.quantized, "linear_dynamic") and (
        "x86" in torch.backends.quantized.supported_engines
        or "fbgemm" in torch.backends.quantized.supported_engines
    )


class _Int8Linear(nn.Module):
    """Stand-in for an ``nn.Linear`` during scoring: same call, int8 maths."""

    def __init__(self, packed: torch.Tensor) -> None:
        super().__init__()
        self.packed = packed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic(x.float().contiguous(), self.packed, True)


def _pack(linear: nn.Linear) -> torch.Tensor:
    weight = linear.weight.detach().float()
    scales = (weight.abs().amax(dim=1) / 127.0).clamp_min(1e-12).double()
    zero_points = torch.zeros(weight.shape[0], dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = torch.quantize_per_channel(weight, scales, zero_points, 0, torch.qint8)
        bias = None if linear.bias is None else linear.bias.detach().float()
        return torch.ops.quantized.linear_prepack(quantized, bias)


class Int8Cache:
    """Int8 packs of a model's token-wise linears, kept in step with the fp32 weights."""

    def __init__(self) -> None:
        self._packs: dict[int, tuple[weakref.ref, tuple[int, ...], _Int8Linear]] = {}

    def stand_in(self, linear: nn.Linear) -> _Int8Linear:
        """The int8 module for ``linear``, rebuilt if its weights changed since last time."""
        key = tuple(
            value
            for tensor in (linear.weight, linear.bias)
            if tensor is not None
            for value in (tensor._version, tensor.data_ptr())
        )
        cached = self._packs.get(id(linear))
        if cached is None or cached[0]() is not linear or cached[1] != key:
            cached = (weakref.ref(linear), key, _Int8Linear(_pack(linear)))
            self._packs[id(linear)] = cached
        return cached[2]

    @contextlib.contextmanager
    def swapped_in(self, model: nn.Module, keep: tuple[nn.Module, ...] = ()) -> Iterator[None]:
        """Temporarily replace the token-wise linears of ``model`` by their int8 stand-ins.

        Modules in ``keep`` (and everything inside them) stay in full precision.
        """
        kept = {id(module) for root in keep for module in root.modules()}
        swaps = []
        for parent in model.modules():
            if id(parent) in kept:
                continue
            for name, child in list(parent.named_children()):
                if isinstance(child, nn.Linear) and name in TOKEN_WISE_LINEARS:
                    swaps.append((parent, name, child))
        try:
            for parent, name, child in swaps:
                setattr(parent, name, self.stand_in(child))
            yield
        finally:
            for parent, name, child in swaps:
                setattr(parent, name, child)
