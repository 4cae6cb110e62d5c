"""Dropout on a CPU with masks cut from 64-bit random words, for every encoder alike.

torch's CPU dropout draws one Bernoulli sample per element (``aten::bernoulli_``, serially;
pytorch/pytorch#138199). In a MiniLM training step at length 128 (fp32, 2 cores) that was a
sixth of the time, and the dropout on attention probabilities also keeps
``scaled_dot_product_attention`` off its fused CPU kernel. Here a mask comes from 16-bit
slices of 64-bit words drawn with ``random_`` from the same generator (so ``torch.manual_seed``
and a saved training state still reproduce it), each slice compared with a threshold: an
element is dropped with probability p rounded to a multiple of 1/65,536 (0.1 becomes
0.100006), and the kept ones are scaled by the inverse of the exact keep rate, so the
expectation is unchanged. Same distribution as torch's dropout, other draws.

``dropout_masks`` is a ``TorchFunctionMode`` around the training loop: every ``F.dropout``
(``nn.Dropout`` calls it) and every ``F.scaled_dot_product_attention`` with ``dropout_p > 0``
on CPU tensors goes through these masks (attention as softmax, mask, matmul: what torch's own
CPU path does once dropout is on). So any encoder, plugins included, gets it without a change.
Everything else runs torch's own op: GPU tensors (their dropout is fast), evaluation
(``training`` false), in-place dropout, a p too small to round to a level, causal or
grouped-query attention, key and value batches unlike the query's, boolean masks and masks
with a row masked throughout.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from benchmark.training.config import DropoutMasks

_LEVELS = 1 << 16


def _dropped_levels(p: float) -> int | None:
    """How many of the 65,536 levels of a slice drop an element for probability ``p``; None
    when p rounds to none or all of them (or is not a number), which these masks cannot draw."""
    if not isinstance(p, float | int):
        return None
    levels = round(p * _LEVELS)
    return levels if 0 < levels < _LEVELS else None


def keep_mask(shape: torch.Size | tuple[int, ...], p: float,
              device: torch.device | str = "cpu") -> tuple[torch.Tensor, float]:
    """A boolean mask of ``shape`` keeping each element with probability 1 - p (p rounded
    to a multiple of 1/65,536), and the scale that keeps the expectation: 1 / that rate."""
    count = math.prod(shape)
    words = torch.empty((count + 3) // 4, dtype=torch.int64, device=device)
    # the whole int64 range (the default range leaves each word's top bit 0); the one value
    # this range leaves out biases a slice by 2**-63
    words.random_(-(2**63), 2**63 - 1)
    dropped_levels = _dropped_levels(p)
    if dropped_levels is None:
        raise ValueError(f"dropout probability {p} rounds to {round(p * _LEVELS)}/{_LEVELS}")
    slices = words.view(torch.int16)[:count].view(shape)
    return slices >= dropped_levels - _LEVELS // 2, _LEVELS / (_LEVELS - dropped_levels)


class _ScaledMask(torch.autograd.Function):
    """``x * keep * scale``, keeping the boolean mask (not a float copy) for the backward."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, keep: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(keep)
        ctx.scale = scale
        return (x * keep).mul_(scale)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (keep,) = ctx.saved_tensors
        return (grad * keep).mul_(ctx.scale), None, None


def dropout(x: torch.Tensor, p: float) -> torch.Tensor:
    """Training-mode dropout of ``x`` with this module's masks."""
    keep, scale = keep_mask(x.shape, p, x.device)
    return _ScaledMask.apply(x, keep, scale)


def attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
              attn_mask: torch.Tensor | None, dropout_p: float,
              scale: float | None = None) -> torch.Tensor:
    """``scaled_dot_product_attention`` with dropout on the probabilities, spelled out as
    torch's CPU math path computes it: under autocast the inputs are rounded to its dtype,
    and half-precision inputs are computed in float32 (unless torch is told to allow
    half-precision reductions there) and the output cast back. The scaling and the additive
    mask run as one ``baddbmm``, and the keep rate's inverse scales the output (rows x head
    width) rather than the probabilities (rows x rows)."""
    result = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else query.dtype
    compute = result
    if result in (torch.float16, torch.bfloat16) and \
            not torch.backends.cuda.fp16_bf16_reduction_math_sdp_allowed():
        compute = torch.float32
    with torch.autocast("cpu", enabled=False):
        q, k, v = (x.to(result).to(compute) for x in (query, key, value))
        *leading, rows, width = q.shape
        columns = k.shape[-2]
        q = q.reshape(-1, rows, width)
        k_t = k.reshape(-1, columns, width).transpose(1, 2)
        v = v.reshape(-1, columns, v.shape[-1])
        alpha = scale if scale is not None else width**-0.5
        if attn_mask is None:
            scores = torch.bmm(q, k_t).mul_(alpha)
        else:
            bias = attn_mask.to(compute).expand(*leading, rows, columns)
            scores = torch.baddbmm(bias.reshape(-1, rows, columns), q, k_t, alpha=alpha)
        keep, keep_scale = keep_mask(scores.shape, dropout_p, scores.device)
        out = torch.bmm(scores.softmax(-1) * keep, v) * keep_scale
        return out.view(*leading, rows, v.shape[-1]).to(result)


def _arguments(args: tuple, kwargs: dict, names: tuple[str, ...], defaults: dict) -> dict:
    bound = dict(defaults)
    bound.update(zip(names, args, strict=False))
    bound.update(kwargs)
    return bound


_DROPOUT = ("input", "p", "training", "inplace")
_DROPOUT_DEFAULTS = {"p": 0.5, "training": True, "inplace": False}
_SDPA = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa")
_SDPA_DEFAULTS = {"attn_mask": None, "dropout_p": 0.0, "is_causal": False, "scale": None,
                  "enable_gqa": False}


class _CpuDropoutMode(TorchFunctionMode):
    """Routes CPU dropout (plain and in attention) to this module's masks; counts what it took
    (``taken``) so that a test can see every dropout of a real encoder pass through."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = {"dropout": 0, "attention": 0}

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        if func is F.dropout:
            a = _arguments(args, kwargs, _DROPOUT, _DROPOUT_DEFAULTS)
            x = a["input"]
            if a["training"] and not a["inplace"] and _representable(a["p"]) and _on_cpu(x):
                self.taken["dropout"] += 1
                return dropout(x, a["p"])
        elif func is F.scaled_dot_product_attention:
            a = _arguments(args, kwargs, _SDPA, _SDPA_DEFAULTS)
            mask = a["attn_mask"]
            q, k, v = a["query"], a["key"], a["value"]
            if (_representable(a["dropout_p"]) and not a["is_causal"] and not a["enable_gqa"]
                    and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
                    and _additive(mask) and _on_cpu(q)):
                self.taken["attention"] += 1
                return attention(q, k, v, mask, a["dropout_p"], a["scale"])
        return func(*args, **kwargs)


def _representable(p: float) -> bool:
    """True when p is a probability these masks can draw."""
    return _dropped_levels(p) is not None


def _additive(mask: torch.Tensor | None) -> bool:
    """A mask this attention handles: none, or additive with no row masked throughout (torch
    gives such a row zeros, a plain softmax NaN)."""
    return mask is None or (mask.is_floating_point() and not mask.isneginf().all(-1).any())


def _on_cpu(x: torch.Tensor) -> bool:
    return x.device.type == "cpu" and x.is_floating_point()


@contextmanager
def dropout_masks(kind: DropoutMasks, device: torch.device) -> Iterator[dict[str, int] | None]:
    """Inside: CPU dropout uses ``kind``'s masks (``int16``: this module's; ``torch``: torch's
    own). Yields the counts of dropouts taken (None when nothing is routed)."""
    if kind == "torch" or device.type != "cpu":
        yield None
        return
    with _CpuDropoutMode() as mode:
        yield mode.taken
