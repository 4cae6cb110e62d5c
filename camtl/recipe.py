"""Which layer gets which CA-MTL module, and which layers freeze, for any backbone depth.

The reference code publishes two recipes, for 12 and 24 layers. ``base_recipe`` and
``large_recipe`` reproduce them exactly at those depths and scale them to other depths with
one written rule (see ``docs/camtl.md``):

base (depth D >= 2), the default below 24 layers:
    layers ``0 .. D//2 - 1``           pretrained + conditional attention  (lower half)
    layers ``D//2 .. D - 2``           + conditional layer norm             (upper half)
    layer  ``D - 1``                   a new layer trained from scratch, with conditional
                                       attention, conditional layer norm and one conditional
                                       bottleneck adapter
    frozen: the embeddings and layers ``0 .. D//2 - 2`` (the lower half but its top layer;
    12 layers -> 0-4 as in the reference, 6 layers -> 0-1)

large (depth D >= 2), the default from 24 layers on:
    layers ``0 .. ceil(D/2) - 1``      pretrained + conditional attention
    layers ``ceil(D/2) .. D - 1``      + conditional layer norm
    a conditional bottleneck after every layer, chained with a skip connection
    frozen: the embeddings and the whole lower half (24 layers -> 0-11 as in the reference)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

RECIPE_NAMES = ("auto", "base", "large")
LARGE_FROM_DEPTH = 24
"""``recipe="auto"`` picks ``large`` from this depth on (BERT-large), ``base`` below it."""


@dataclass(frozen=True)
class LayerRecipe:
    """An explicit layer recipe: what every layer of the encoder carries.

    ``conditional_layer_norm_layers`` lists the layers whose two LayerNorms become conditional;
    ``new_top_layer`` replaces the last pretrained layer by a fresh layer that hosts the adapter
    (base); ``adapter_every_layer`` chains one bottleneck adapter after every layer (large);
    ``frozen_layers`` are the pretrained layers frozen (with the embeddings) by the freezing rule.
    """

    name: str
    num_layers: int
    conditional_layer_norm_layers: tuple[int, ...]
    new_top_layer: bool
    adapter_every_layer: bool
    frozen_layers: tuple[int, ...]

    def __post_init__(self) -> None:
        valid = range(self.num_layers)
        for field_name in ("conditional_layer_norm_layers", "frozen_layers"):
            bad = [i for i in getattr(self, field_name) if i not in valid]
            if bad:
                raise ValueError(f"{field_name} {bad} outside 0..{self.num_layers - 1}")
        if self.new_top_layer and self.adapter_every_layer:
            raise ValueError(
                "a recipe has either a new top layer (base) or chained adapters (large)"
            )
        if self.new_top_layer and self.num_layers - 1 in self.frozen_layers:
            raise ValueError("the new top layer is trained from scratch and cannot be frozen")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form (saved with the model)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerRecipe:
        """Inverse of ``to_dict``."""
        return cls(
            name=data["name"],
            num_layers=int(data["num_layers"]),
            conditional_layer_norm_layers=tuple(data["conditional_layer_norm_layers"]),
            new_top_layer=bool(data["new_top_layer"]),
            adapter_every_layer=bool(data["adapter_every_layer"]),
            frozen_layers=tuple(data["frozen_layers"]),
        )

    def describe(self) -> str:
        """One line per layer, for logs and the README."""
        lines = [
            f"recipe {self.name} ({self.num_layers} layers); frozen: embeddings"
            f"{', layers ' + _ranges(self.frozen_layers) if self.frozen_layers else ''}"
        ]
        for index in range(self.num_layers):
            parts = [
                "new (from scratch)" if self.is_new(index) else "pretrained",
                "cond. attention",
            ]
            if index in self.conditional_layer_norm_layers:
                parts.append("cond. layer norm")
            if self.new_top_layer and self.is_new(index):
                parts.append("cond. adapter + cond. layer norm")
            if self.adapter_every_layer:
                parts.append("chained cond. adapter")
            if index in self.frozen_layers:
                parts.append("frozen")
            lines.append(f"  layer {index:2d}: " + ", ".join(parts))
        return "\n".join(lines)

    def is_new(self, index: int) -> bool:
        """True for the layer trained from scratch (the top layer of the base recipe)."""
        return self.new_top_layer and index == self.num_layers - 1


def _check_depth(depth: int) -> None:
    if depth < 2:
        raise ValueError(f"CA-MTL needs a backbone with at least 2 layers, got {depth}")


def base_recipe(depth: int) -> LayerRecipe:
    """The 12-layer recipe of the reference code, scaled to ``depth`` layers."""
    _check_depth(depth)
    lower = depth // 2
    return LayerRecipe(
        name="base",
        num_layers=depth,
        conditional_layer_norm_layers=tuple(range(lower, depth)),
        new_top_layer=True,
        adapter_every_layer=False,
        frozen_layers=tuple(range(max(lower - 1, 0))),
    )


def large_recipe(depth: int) -> LayerRecipe:
    """The 24-layer recipe of the reference code, scaled to ``depth`` layers."""
    _check_depth(depth)
    lower = math.ceil(depth / 2)
    return LayerRecipe(
        name="large",
        num_layers=depth,
        conditional_layer_norm_layers=tuple(range(lower, depth)),
        new_top_layer=False,
        adapter_every_layer=True,
        frozen_layers=tuple(range(lower)),
    )


def resolve_recipe(recipe: str | LayerRecipe, depth: int) -> LayerRecipe:
    """Turn ``"auto"``/``"base"``/``"large"`` or an explicit recipe into a ``LayerRecipe``."""
    if isinstance(recipe, LayerRecipe):
        if recipe.num_layers != depth:
            raise ValueError(
                f"explicit recipe is for {recipe.num_layers} layers, the backbone has {depth}"
            )
        return recipe
    if recipe == "auto":
        recipe = "large" if depth >= LARGE_FROM_DEPTH else "base"
    if recipe == "base":
        return base_recipe(depth)
    if recipe == "large":
        return large_recipe(depth)
    raise ValueError(f"unknown recipe {recipe!r}: use one of {RECIPE_NAMES} or a LayerRecipe")


def _ranges(indices: tuple[int, ...]) -> str:
    """``(0, 1, 2, 5)`` -> ``"0-2, 5"``."""
    if not indices:
        return ""
    groups: list[list[int]] = [[indices[0], indices[0]]]
    for index in indices[1:]:
        if index == groups[-1][1] + 1:
            groups[-1][1] = index
        else:
            groups.append([index, index])
    return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in groups)
