"""The freezing rule as named parameter groups: every parameter belongs to exactly one group.

Frozen when ``freeze=True``: ``embeddings`` and ``frozen_layers`` (the pretrained weights of
the recipe's frozen layers). Everything else trains: the task embedding, its transformation,
the alignment, the conditional-attention matrices and their FiLM generators (in frozen layers
too), the FiLM generators of conditional layer norms, the adapters, the new top layer, the
pretrained weights of the unfrozen layers and the pooler. With
``freeze_attention_film_in_frozen_layers`` the attention FiLM generators of frozen layers form
the extra frozen group ``frozen_attention_film`` (the reference code's behaviour).
"""

from __future__ import annotations

from collections.abc import Sequence

from camtl.config import LayerSpec

GROUP_ORDER = (
    "embeddings",
    "task_embedding",
    "task_transformation",
    "conditional_alignment",
    "conditional_attention",
    "frozen_attention_film",
    "conditional_layer_norm",
    "adapters",
    "frozen_layers",
    "pretrained_layers",
    "new_top_layer",
    "pooler",
    "heads",
)
FROZEN_GROUPS = frozenset({"embeddings", "frozen_layers", "frozen_attention_film"})

_PREFIX_GROUPS = {
    "embeddings.": "embeddings",
    "task_embedding.": "task_embedding",
    "task_transformation.": "task_transformation",
    "alignment.": "conditional_alignment",
    "adapters.": "adapters",
    "pooler.": "pooler",
    "heads.": "heads",
}


def group_of(name: str, specs: Sequence[LayerSpec], freeze_attention_film: bool) -> str:
    """The group of the parameter called ``name`` in a CA-MTL encoder (or model)."""
    name = name.removeprefix("encoder.")
    for prefix, group in _PREFIX_GROUPS.items():
        if name.startswith(prefix):
            return group
    if not name.startswith("layers."):
        raise KeyError(f"parameter {name!r} belongs to no CA-MTL group")
    index_text, rest = name[len("layers.") :].split(".", 1)
    spec = specs[int(index_text)]
    if rest.startswith("attention.self.block_bias."):
        if spec.frozen and freeze_attention_film and ".film." in rest:
            return "frozen_attention_film"
        return "conditional_attention"
    if rest.startswith("adapter."):
        return "adapters"
    if ".LayerNorm.film." in f".{rest}":
        return "conditional_layer_norm"
    if spec.new:
        return "new_top_layer"
    return "frozen_layers" if spec.frozen else "pretrained_layers"


def is_frozen_group(group: str, freeze: bool) -> bool:
    """Whether the freezing rule freezes ``group``."""
    return freeze and group in FROZEN_GROUPS
