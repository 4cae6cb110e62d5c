"""Per-layer token states of an encoder, whatever kind of encoder it is.

Every forgetting measurement compares the pretrained encoder's representations with
the trained one's, layer by layer. Methods wrap their backbone differently, so the
measurements see one protocol only, ``HiddenStates``: ``(input_ids, attention_mask,
token_type_ids) -> [embedding output, layer 1 output, ..., layer L output]``, each
``(B, L, h)``, the last one being what the encoder's top layer gives. ``as_hidden_states``
finds it for:

- a ``transformers.PreTrainedModel`` (BERT and its adapter-carrying variants), through
  ``output_hidden_states=True``;
- any object with a ``hidden_states(input_ids, attention_mask, token_type_ids, task_ids)``
  method (the protocol a plugin's encoder implements; ``task_ids`` is a fixed task index);
- any object with a ``bert`` attribute holding a ``PreTrainedModel`` (the stl, mtl and
  houlsby encoders);
- a plain callable already speaking the protocol, or a ``StatesSource``.

An encoder with its own layer stack (CA-MTL) is measured through ``hooked_hidden_states``,
which records each layer's output while a given forward runs; see docs/results.md.
Anything else raises ``NoHiddenStates``, which the measurement records as "not measured".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from transformers import PreTrainedModel

HiddenStates = Callable[[Tensor, Tensor, Tensor], Sequence[Tensor]]
"""``(input_ids, attention_mask, token_type_ids) -> per-layer (B, L, h) token states``."""


class NoHiddenStates(Exception):
    """The encoder offers no per-layer token states; the message says why."""


@dataclass(frozen=True)
class StatesSource:
    """The protocol function for one encoder, and the module to run it in eval mode."""

    states: HiddenStates
    module: nn.Module | None
    kind: str
    """How the states were found, for the record: ``hf``, ``protocol``, ``hooked``,
    ``callable``."""
    task_id: int | None = None
    """The task a task-conditioned encoder was run as; None where no task was given."""


def hf_hidden_states(model: PreTrainedModel) -> HiddenStates:
    """States of a Hugging Face model: its ``hidden_states`` output (embeddings first)."""

    def states(input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor
               ) -> Sequence[Tensor]:
        out = model(input_ids=input_ids, attention_mask=attention_mask,
                    token_type_ids=token_type_ids, output_hidden_states=True)
        if getattr(out, "hidden_states", None) is None:
            raise NoHiddenStates(f"{type(model).__name__} returned no hidden_states")
        return list(out.hidden_states)

    return states


def hooked_hidden_states(module: nn.Module, layers: Sequence[nn.Module],
                         run: Callable[[Tensor, Tensor, Tensor, Tensor], Any], *,
                         task_id: int = 0) -> StatesSource:
    """States recorded from ``layers`` while ``run(input_ids, attention_mask,
    token_type_ids, task_ids)`` does a full forward pass of ``module`` as task ``task_id``.

    Entry 0 is what the first layer receives, entry i the output of layer i (the first
    tensor of a tuple output). ``run`` must compute every position of every layer:
    CA-MTL's plain forward computes only [CLS] in its top layer, so it is run through
    ``encode(..., output_sequence=True)``. ``module`` is put in eval mode while measured.
    """
    layers = list(layers)
    if not layers:
        raise NoHiddenStates("the encoder has no layers to record")

    def states(input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor
               ) -> Sequence[Tensor]:
        recorded: list[Tensor] = []

        def take_input(_module: nn.Module, args: tuple[Any, ...]) -> None:
            recorded.append(_first_tensor(args))

        def take_output(_module: nn.Module, _args: tuple[Any, ...], output: Any) -> None:
            recorded.append(_first_tensor(output))

        handles = [layers[0].register_forward_pre_hook(take_input)]
        handles += [layer.register_forward_hook(take_output) for layer in layers]
        try:
            run(input_ids, attention_mask, token_type_ids, _task_ids(input_ids, task_id))
        finally:
            for handle in handles:
                handle.remove()
        if len(recorded) != len(layers) + 1:
            raise NoHiddenStates(f"recorded {len(recorded)} states for {len(layers)} layers: "
                                 "each layer must run exactly once per forward pass")
        return recorded

    return StatesSource(states, module, "hooked", task_id)


def _task_ids(input_ids: Tensor, task_id: int) -> Tensor:
    return torch.full((input_ids.shape[0],), task_id, dtype=torch.long, device=input_ids.device)


def _first_tensor(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, tuple | list) and value and isinstance(value[0], Tensor):
        return value[0]
    raise NoHiddenStates(f"a layer gave {type(value).__name__}, not token states")


def as_hidden_states(encoder: Any, task_id: int = 0) -> StatesSource:
    """Find ``encoder``'s per-layer states (see the module docstring) or say why not."""
    if isinstance(encoder, StatesSource):
        return encoder
    if isinstance(encoder, PreTrainedModel):
        return StatesSource(hf_hidden_states(encoder), encoder, "hf")
    method = getattr(encoder, "hidden_states", None)
    if callable(method):
        def protocol(input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor
                     ) -> Sequence[Tensor]:
            return method(input_ids, attention_mask, token_type_ids,
                          _task_ids(input_ids, task_id))

        module = encoder if isinstance(encoder, nn.Module) else None
        return StatesSource(protocol, module, "protocol", task_id)
    inner = getattr(encoder, "bert", None)
    if isinstance(inner, PreTrainedModel):
        return StatesSource(hf_hidden_states(inner), encoder, "hf")
    if callable(encoder) and not isinstance(encoder, nn.Module):
        return StatesSource(encoder, None, "callable")
    raise NoHiddenStates(
        f"{type(encoder).__name__} gives no per-layer hidden states: it is not a Hugging "
        "Face model, has no hidden_states(input_ids, attention_mask, token_type_ids, "
        "task_ids) method and no .bert model (see docs/results.md, Forgetting)")


def module_device(module: nn.Module | None) -> torch.device:
    """Where the module's weights live (inputs go there); CPU for none or no weights."""
    if module is not None:
        for parameter in module.parameters():
            return parameter.device
    return torch.device("cpu")


@contextmanager
def evaluating(module: nn.Module | None) -> Iterator[None]:
    """Dropout off and no autograd for the measurement; the training mode is restored."""
    was_training = module.training if module is not None else False
    if module is not None:
        module.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        if module is not None:
            module.train(was_training)
