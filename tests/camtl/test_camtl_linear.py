"""bf16 autocast linears computed on fp32 kernels: same rounding as autocast's bf16 product."""

from __future__ import annotations

import torch
import torch.nn.functional as F

import camtl.linear as camtl_linear
from camtl.linear import Linear


def _run(emulate: bool, monkeypatch):
    monkeypatch.setattr(camtl_linear, "cpu_has_native_bf16", lambda: not emulate)
    torch.manual_seed(0)
    layer = Linear(48, 40)
    x = torch.randn(3, 7, 48, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(x) if emulate else F.linear(x, layer.weight, layer.bias)
    out.float().square().sum().backward()
    return out, x.grad, layer.weight.grad, layer.bias.grad


def test_emulated_bf16_matches_native_autocast(monkeypatch):
    emulated = _run(True, monkeypatch)
    native = _run(False, monkeypatch)
    assert emulated[0].dtype == native[0].dtype == torch.bfloat16
    for a, b in zip(emulated, native, strict=True):
        assert a.dtype == b.dtype
        torch.testing.assert_close(a.float(), b.float(), rtol=2e-2, atol=2e-2)


def test_outside_autocast_it_is_nn_linear():
    torch.manual_seed(0)
    layer = Linear(8, 4)
    x = torch.randn(2, 8)
    torch.testing.assert_close(layer(x), F.linear(x, layer.weight, layer.bias))
    assert set(layer.state_dict()) == {"weight", "bias"}
