"""The layer recipes: the two published ones exactly, and the depth-scaling rule."""

from __future__ import annotations

import pytest

from camtl import CaMtlConfig, LayerRecipe, base_recipe, large_recipe, resolve_recipe
from camtl.config import plan_layers


def test_base_recipe_is_the_reference_12_layer_recipe():
    recipe = base_recipe(12)
    assert recipe.conditional_layer_norm_layers == tuple(range(6, 12))
    assert recipe.new_top_layer and not recipe.adapter_every_layer
    assert [i for i in range(12) if recipe.is_new(i)] == [11]
    assert recipe.frozen_layers == (0, 1, 2, 3, 4)


def test_large_recipe_is_the_reference_24_layer_recipe():
    recipe = large_recipe(24)
    assert recipe.conditional_layer_norm_layers == tuple(range(12, 24))
    assert recipe.adapter_every_layer and not recipe.new_top_layer
    assert recipe.frozen_layers == tuple(range(12))


def test_minilm_depth_six_scales_the_base_recipe():
    recipe = resolve_recipe("auto", 6)
    assert recipe.name == "base"
    assert recipe.conditional_layer_norm_layers == (3, 4, 5)
    assert recipe.is_new(5)
    assert recipe.frozen_layers == (0, 1)


@pytest.mark.parametrize("depth", range(2, 31))
def test_scaling_rule_for_every_depth(depth):
    base, large = base_recipe(depth), large_recipe(depth)
    # base: lower half plain + conditional attention, upper half + CLN, new top layer
    assert base.conditional_layer_norm_layers == tuple(range(depth // 2, depth))
    assert base.frozen_layers == tuple(range(max(depth // 2 - 1, 0)))
    assert base.is_new(depth - 1) and depth - 1 not in base.frozen_layers
    # large: lower ceil(D/2) layers frozen, the rest conditional layer norm
    lower = (depth + 1) // 2
    assert large.frozen_layers == tuple(range(lower))
    assert large.conditional_layer_norm_layers == tuple(range(lower, depth))
    # frozen layers never carry a conditional layer norm
    assert not set(base.frozen_layers) & set(base.conditional_layer_norm_layers)


def test_auto_picks_large_from_24_layers():
    assert resolve_recipe("auto", 12).name == "base"
    assert resolve_recipe("auto", 24).name == "large"
    assert resolve_recipe("base", 24).name == "base"


def test_explicit_recipe_and_round_trip():
    recipe = LayerRecipe("mine", 4, (3,), True, False, (0,))
    assert resolve_recipe(recipe, 4) is recipe
    assert LayerRecipe.from_dict(recipe.to_dict()) == recipe
    with pytest.raises(ValueError, match="4 layers"):
        resolve_recipe(recipe, 6)
    with pytest.raises(ValueError, match="cannot be frozen"):
        LayerRecipe("bad", 4, (), True, False, (3,))


def test_errors_for_unknown_recipe_and_too_shallow():
    with pytest.raises(ValueError, match="unknown recipe"):
        resolve_recipe("huge", 12)
    with pytest.raises(ValueError, match="at least 2 layers"):
        base_recipe(1)


def test_switches_keep_pretrained_top_layer_without_adapter():
    config = CaMtlConfig(num_tasks=2, conditional_adapter=False, freeze=False)
    _, specs = plan_layers(config, 6)
    assert not any(spec.new or spec.top_adapter or spec.frozen for spec in specs)
    assert [spec.conditional_layer_norm for spec in specs] == [False] * 3 + [True] * 3


def test_describe_mentions_every_layer():
    text = base_recipe(6).describe()
    assert "frozen: embeddings, layers 0-1" in text
    assert len(text.splitlines()) == 7
