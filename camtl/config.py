"""The user-facing switches of a CA-MTL model and the per-layer plan they resolve to."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from camtl.recipe import LayerRecipe, resolve_recipe


@dataclass
class CaMtlConfig:
    """What to build on top of a BERT backbone.

    The component switches exist for the paper's ablation ladder: standard MTL (all off,
    ``freeze=False``), + conditional attention, + conditional adapter, + conditional layer norm.
    ``conditional_alignment=None`` follows the other switches (on when any of them is on), so
    that "all off" really is standard multi-task learning with no task conditioning at all.
    ``freeze_attention_film_in_frozen_layers=True`` reproduces the reference code, where the
    FiLM generator of the attention matrix inside frozen layers stays at its random
    initialisation; the default trains it, as every other conditional module (docs/camtl.md).
    """

    num_tasks: int
    max_length: int = 128
    recipe: str | LayerRecipe = "auto"
    conditional_attention: bool = True
    conditional_layer_norm: bool = True
    conditional_adapter: bool = True
    conditional_alignment: bool | None = None
    freeze: bool = True
    freeze_attention_film_in_frozen_layers: bool = False
    task_names: tuple[str, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.num_tasks, int) or self.num_tasks < 1:
            raise ValueError(f"num_tasks must be a positive integer, got {self.num_tasks!r}")
        if not isinstance(self.max_length, int) or self.max_length < 1:
            raise ValueError(f"max_length must be a positive integer, got {self.max_length!r}")
        if self.task_names is not None:
            self.task_names = tuple(self.task_names)
            if len(self.task_names) != self.num_tasks:
                raise ValueError(
                    f"{len(self.task_names)} task names for num_tasks={self.num_tasks}"
                )

    @property
    def uses_alignment(self) -> bool:
        """Whether the conditional alignment (FiLM on the embeddings) is built."""
        if self.conditional_alignment is not None:
            return self.conditional_alignment
        return self.uses_conditioning_in_layers

    @property
    def uses_conditioning_in_layers(self) -> bool:
        """Whether any module inside the encoder layers is conditioned on the task."""
        return self.conditional_attention or self.conditional_layer_norm or self.conditional_adapter

    @property
    def uses_task_embedding(self) -> bool:
        """The task embedding exists when anything is conditioned on it."""
        return self.uses_alignment or self.uses_conditioning_in_layers

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, saved next to the weights."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if isinstance(self.recipe, LayerRecipe):
            data["recipe"] = self.recipe.to_dict()
        if self.task_names is not None:
            data["task_names"] = list(self.task_names)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaMtlConfig:
        """Inverse of ``to_dict``."""
        data = dict(data)
        if isinstance(data.get("recipe"), dict):
            data["recipe"] = LayerRecipe.from_dict(data["recipe"])
        if data.get("task_names") is not None:
            data["task_names"] = tuple(data["task_names"])
        return cls(**data)


@dataclass(frozen=True)
class LayerSpec:
    """The modules one encoder layer carries once the recipe and the switches are applied."""

    index: int
    new: bool
    conditional_attention: bool
    conditional_layer_norm: bool
    top_adapter: bool
    chained_adapter: bool
    frozen: bool


def plan_layers(config: CaMtlConfig, depth: int) -> tuple[LayerRecipe, list[LayerSpec]]:
    """Apply the component switches to the recipe.

    The base recipe's new top layer exists to host the adapter, so with
    ``conditional_adapter=False`` the pretrained top layer is kept instead.
    """
    recipe = resolve_recipe(config.recipe, depth)
    specs = []
    for index in range(depth):
        new = recipe.is_new(index) and config.conditional_adapter
        specs.append(
            LayerSpec(
                index=index,
                new=new,
                conditional_attention=config.conditional_attention,
                conditional_layer_norm=config.conditional_layer_norm
                and index in recipe.conditional_layer_norm_layers,
                top_adapter=new,
                chained_adapter=config.conditional_adapter and recipe.adapter_every_layer,
                frozen=config.freeze and index in recipe.frozen_layers,
            )
        )
    return recipe, specs


def block_layout(hidden_size: int, max_length: int) -> tuple[int, int]:
    """``(N, s)``: N = h / L diagonal blocks, each ``s = ceil(L / N)`` columns wide.

    Raises a ValueError that lists the sizes that work when h is not a multiple of L.
    """
    if hidden_size % max_length != 0:
        working_h = ", ".join(str(max_length * k) for k in range(1, 5))
        working_l = ", ".join(str(d) for d in _divisors(hidden_size) if d >= 8) or "none >= 8"
        raise ValueError(
            f"conditional attention lays out N = hidden_size / max_length diagonal blocks, but "
            f"hidden size {hidden_size} is not a multiple of max_length {max_length}. "
            f"With max_length={max_length} the hidden size must be a multiple of it "
            f"({working_h}, ...); with hidden size {hidden_size} max_length must divide it "
            f"({working_l})."
        )
    blocks = hidden_size // max_length
    return blocks, math.ceil(max_length / blocks)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]
