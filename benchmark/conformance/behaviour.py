"""Rules on what a method's encoder does: builds, interface, shapes, what trains, seeds, reloads."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from benchmark.conformance.context import ConformanceContext
from benchmark.conformance.rule import ConformanceFailure
from benchmark.errors import BenchmarkError
from benchmark.formats.registry import format_of
from benchmark.methods.interface import Method, check_encoder_interface
from benchmark.parameters import account_parameters
from benchmark.tasks.spec import TaskSpec
from benchmark.training.checkpoint import load_checkpoint, save_checkpoint
from benchmark.training.heads import MultiTaskModel, multitask_loss

LEARNING_RATE = 3e-3
LEARN_STEPS = 12
LEARN_FACTOR = 0.85
"""After 12 steps on one batch the loss must be below 85% of the first step's."""

SHOWN = 4
"""Parameter names quoted in a failure message before '... and N more'."""


def _names(names: Sequence[str]) -> str:
    more = len(names) - SHOWN
    return ", ".join(names[:SHOWN]) + (f" ... and {more} more" if more > 0 else "")


def _build(method: Method, ctx: ConformanceContext, tasks: Sequence[TaskSpec]) -> nn.Module:
    encoder = method.build_encoder(
        ctx.backbone, list(tasks), method.resolve_options(None), ctx.max_length
    )
    if not isinstance(encoder, nn.Module):  # an Encoder, or any module with its forward
        raise ConformanceFailure(
            f"build_encoder returned a {type(encoder).__name__}, not a torch module such as "
            "benchmark.methods.Encoder"
        )
    hidden = getattr(encoder, "hidden_size", None)
    if not isinstance(hidden, int) or isinstance(hidden, bool) or hidden < 1:
        raise ConformanceFailure(
            f"the encoder's hidden_size is {hidden!r}; set it to the width of the pooled vector "
            "(the harness sizes the task heads with it)"
        )
    return encoder


def _model(name: str, ctx: ConformanceContext, seed: int = 0) -> MultiTaskModel:
    torch.manual_seed(seed)
    return MultiTaskModel(_build(ctx.method(name), ctx, ctx.tasks), ctx.tasks)


def _train(model: MultiTaskModel, ctx: ConformanceContext, steps: int) -> list[float]:
    """``steps`` AdamW steps on the mixed batch over the parameters with ``requires_grad``."""
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE
    )
    model.train()
    losses = []
    for _ in range(steps):
        loss = multitask_loss(model(ctx.batch), ctx.batch, model.tasks)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def _snapshot(model: MultiTaskModel) -> dict[str, tuple[Tensor, bool]]:
    return {n: (p.detach().clone(), p.requires_grad) for n, p in model.named_parameters()}


def builds_for_one_task(name: str, ctx: ConformanceContext) -> None:
    """An encoder for one task: what a per-task method gets for each task."""
    encoder = _build(ctx.method(name), ctx, ctx.tasks[:1])
    if not any(True for _ in encoder.parameters()):
        raise ConformanceFailure("the encoder has no parameters")


def builds_for_several_tasks(name: str, ctx: ConformanceContext) -> None:
    """An encoder for a classification and a regression task together."""
    encoder = _build(ctx.method(name), ctx, ctx.tasks)
    if not any(True for _ in encoder.parameters()):
        raise ConformanceFailure("the encoder has no parameters")


def implements_interface(name: str, ctx: ConformanceContext) -> None:
    """``forward`` takes ``all_positions`` and returns an ``EncoderOutput`` (interface 2)."""
    model = _model(name, ctx).eval()
    try:
        check_encoder_interface(None, model.encoder)
        with torch.no_grad():
            model.encode(ctx.batch, all_positions=True)
            model.encode(ctx.batch)
    except BenchmarkError as exc:
        raise ConformanceFailure(str(exc)) from None


def _check_tensor(value: Tensor, what: str, expected: tuple[int, ...], meaning: str) -> None:
    if not isinstance(value, Tensor):
        raise ConformanceFailure(f"{what} is a {type(value).__name__}, not a tensor")
    if tuple(value.shape) != expected:
        raise ConformanceFailure(
            f"{what} has shape {list(value.shape)}; expected {list(expected)} ({meaning})"
        )
    if not value.is_floating_point() or not torch.isfinite(value).all():
        raise ConformanceFailure(f"{what} has non-finite or non-float values")


def forward_shape(name: str, ctx: ConformanceContext) -> None:
    """Finite pooled vectors ``[rows, hidden]`` and token states ``[rows, length, hidden]``
    (with ``all_positions``; without it, at least the first position) for a mixed batch."""
    model = _model(name, ctx).eval()
    rows, length = ctx.batch["input_ids"].shape
    hidden = model.encoder.hidden_size
    with torch.no_grad():
        full, default = model.encode(ctx.batch, all_positions=True), model.encode(ctx.batch)
    pooled_meaning = "one pooled vector per row, hidden_size wide"
    for what, out in (("with all_positions", full), ("without all_positions", default)):
        _check_tensor(out.pooled, f"pooled ({what})", (rows, hidden), pooled_meaning)
    _check_tensor(full.tokens, "tokens (with all_positions)", (rows, length, hidden),
                  "every position's state")
    tokens = default.tokens  # any number of positions from 1 ([CLS] only) to every one
    positions = tokens.shape[1] if isinstance(tokens, Tensor) and tokens.dim() == 3 else 0
    _check_tensor(tokens, "tokens (without all_positions)",
                  (rows, positions if 1 <= positions <= length else length, hidden),
                  "the first position's state at least, every position's at most")
    if not torch.allclose(full.pooled, default.pooled, atol=1e-5, rtol=1e-4):
        raise ConformanceFailure(
            "the pooled vectors differ with and without all_positions: the flag may only "
            "change which token states are computed"
        )


def conditions_each_row(name: str, ctx: ConformanceContext) -> None:
    """A row's outputs do not depend on which other tasks share its batch."""
    model = _model(name, ctx).eval()
    keys = ("input_ids", "attention_mask", "token_type_ids", "task_ids")
    with torch.no_grad():
        mixed = model.encode(ctx.batch, all_positions=True)
        for index, task in enumerate(ctx.tasks):
            rows = torch.nonzero(ctx.batch["task_ids"] == index).squeeze(-1)
            alone = model.encode({k: ctx.batch[k][rows] for k in keys}, all_positions=True)
            real = ctx.batch["attention_mask"][rows].bool()  # padding states may be anything
            pairs = ((alone.pooled, mixed.pooled[rows]),
                     (alone.tokens[real], mixed.tokens[rows][real]))
            gap = max((a - b).abs().max().item() for a, b in pairs)
            if not all(torch.allclose(a, b, atol=1e-5, rtol=1e-4) for a, b in pairs):
                raise ConformanceFailure(
                    f"{task.name}'s rows give other outputs in a mixed batch than alone (max "
                    f"difference {gap:.3g}): condition each row on its own task_ids entry"
                )


def gradients_reach_trained_parameters(name: str, ctx: ConformanceContext) -> None:
    """Every encoder parameter with ``requires_grad`` gets a gradient from the loss."""
    model = _model(name, ctx).train()
    multitask_loss(model(ctx.batch), ctx.batch, model.tasks).backward()
    params = list(model.encoder.named_parameters())
    missing = [n for n, p in params if p.requires_grad and p.grad is None]
    if missing:
        raise ConformanceFailure(
            f"{len(missing)} encoder parameter(s) set to train get no gradient: "
            f"{_names(missing)}; they would be counted as trained but never change "
            "(freeze them or use them in forward)"
        )
    broken = [n for n, p in params if p.grad is not None and not torch.isfinite(p.grad).all()]
    if broken:
        raise ConformanceFailure(f"non-finite gradients in {_names(broken)}")


def frozen_weights_untouched(name: str, ctx: ConformanceContext) -> None:
    """Training steps leave frozen parameters bit-identical and still frozen."""
    model = _model(name, ctx)
    before = _snapshot(model)
    _train(model, ctx, steps=3)
    changed, unfrozen = [], []
    for param_name, param in model.named_parameters():
        value, trained = before[param_name]
        if not trained and param.requires_grad:
            unfrozen.append(param_name)
        elif not trained and not torch.equal(param.detach(), value):
            changed.append(param_name)
    if unfrozen:
        raise ConformanceFailure(
            f"frozen when built but set to train during training: {_names(unfrozen)}; set "
            "requires_grad once, in build_encoder (parameter counts are read from it)"
        )
    if changed:
        raise ConformanceFailure(
            f"frozen (requires_grad=False) but changed by training: {_names(changed)}; a "
            "method must not update weights it declares frozen"
        )


def _unread_by_these_tasks(model: MultiTaskModel, ctx: ConformanceContext) -> set[str]:
    """Parameters of the pooled path (the pooler) when every task reads token states: their
    gradient is exactly zero on such a batch, which is no fault of the method."""
    if not all(format_of(t).token_states for t in ctx.tasks):
        return set()
    multitask_loss(model(ctx.batch), ctx.batch, model.tasks).backward()
    unread = {n for n, p in model.named_parameters()
              if p.requires_grad and (p.grad is None or not p.grad.any())}
    model.zero_grad(set_to_none=True)
    return unread


def trained_weights_change(name: str, ctx: ConformanceContext) -> None:
    """Training steps change every parameter the method trains (on a batch of token-level
    tasks only, every one their loss reaches: the pooler is not read there)."""
    model = _model(name, ctx)
    before = _snapshot(model)
    unread = _unread_by_these_tasks(model, ctx)
    _train(model, ctx, steps=3)
    still = [n for n, p in model.named_parameters()
             if before[n][1] and n not in unread and torch.equal(p.detach(), before[n][0])]
    if still:
        raise ConformanceFailure(
            f"set to train but unchanged after 3 steps: {_names(still)}"
        )


def learns(name: str, ctx: ConformanceContext) -> None:
    """The loss on one real batch falls within a dozen steps."""
    losses = _train(_model(name, ctx), ctx, LEARN_STEPS)
    if not losses[-1] < LEARN_FACTOR * losses[0]:
        raise ConformanceFailure(
            f"loss went from {losses[0]:.4f} to {losses[-1]:.4f} in {LEARN_STEPS} steps at lr "
            f"{LEARNING_RATE:g} on one batch; expected below {LEARN_FACTOR:.0%} of the start"
        )


def parameters_accounted(name: str, ctx: ConformanceContext) -> None:
    """The record's parameter block agrees with ``requires_grad`` and names every task."""
    method = ctx.method(name)
    groups = [list(ctx.tasks)] if method.joint else [[t] for t in ctx.tasks]
    torch.manual_seed(0)
    models = [MultiTaskModel(_build(method, ctx, group), group) for group in groups]
    block = account_parameters(method, [(m, [t.name for t in m.tasks]) for m in models],
                               ctx.backbone)
    trainable = sum(p.numel() for m in models for p in m.parameters() if p.requires_grad)
    frozen = max(sum(p.numel() for p in m.parameters() if not p.requires_grad) for m in models)
    expected = {"trainable": trainable, "frozen_shared": frozen,
                "total_to_serve": trainable + frozen}
    for key, value in expected.items():
        if block[key] != value:
            raise ConformanceFailure(
                f"parameters.{key} is {block[key]}, requires_grad gives {value}"
            )
    if set(block["per_task"]) != {t.name for t in ctx.tasks}:
        raise ConformanceFailure(f"parameters.per_task names {sorted(block['per_task'])}")
    for model in models:
        for index, task in enumerate(model.tasks):
            head = sum(p.numel() for p in model.heads.heads[index].parameters())
            own = block["per_task"][task.name]
            if not head <= own <= trainable:
                raise ConformanceFailure(
                    f"parameters.per_task[{task.name!r}] is {own}: below its head ({head}) or "
                    f"above every trained parameter ({trainable}); check "
                    "task_specific_parameter_count"
                )


def deterministic_with_seed(name: str, ctx: ConformanceContext) -> None:
    """The same seed gives the same initial weights and the same training losses."""
    runs = []
    for _ in range(2):
        model = _model(name, ctx, seed=1234)
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        torch.manual_seed(1234)
        runs.append((state, _train(model, ctx, steps=2)))
    (first, losses_a), (second, losses_b) = runs
    differ = [k for k in first if not torch.equal(first[k], second[k])]
    if differ:
        raise ConformanceFailure(
            f"two builds under the same seed differ in {_names(differ)}: draw random numbers "
            "from torch's seeded generator only"
        )
    if losses_a != losses_b:
        raise ConformanceFailure(
            f"the same seed gave training losses {losses_a} and {losses_b}"
        )


def checkpoint_round_trip(name: str, ctx: ConformanceContext) -> None:
    """A trained model saved with the harness's checkpoint reloads to the same predictions."""
    method = ctx.method(name)
    model = _model(name, ctx)
    _train(model, ctx, steps=2)
    model.eval()
    folder = ctx.scratch("checkpoint")
    save_checkpoint(model, folder, name, method.resolve_options(None), ctx.backbone,
                    ctx.max_length)
    reloaded = load_checkpoint(folder).eval()
    with torch.no_grad():
        expected, found = model(ctx.batch), reloaded(ctx.batch)
    # token-level outputs are NaN past each row's words, in both or the rule fails
    if not torch.allclose(expected, found, atol=1e-5, rtol=1e-4, equal_nan=True):
        both_nan = expected.isnan() & found.isnan()
        gap = (expected - found)[~both_nan].nan_to_num(nan=float("inf")).abs().max().item()
        raise ConformanceFailure(
            f"the reloaded model predicts differently (max difference {gap:.3g}): build_encoder "
            "must rebuild the same modules from (backbone, tasks, options), so the saved "
            "weights fit them"
        )
