"""CA-MTL (Pilault et al., ICLR 2021) as a benchmark method, built from the `camtl` library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Encoder, Method
from benchmark.tasks.spec import TaskSpec
from camtl import CaMtlConfig, CaMtlEncoder
from camtl.backbones import resolve_backbone
from camtl.loading import SUPPORTED_MODEL_TYPES


class CaMtl(Method):
    """Task-conditioned attention, layer norm and adapter; lower half frozen; MT-Uncertainty."""

    name = "camtl"
    label = "CA-MTL"
    family = "camtl"
    summary = "CA-MTL: conditional attention/LN/adapter, half frozen, MT-Uncertainty sampling"
    joint = True
    default_sampler = "mt-uncertainty"
    backbone_model_types = SUPPORTED_MODEL_TYPES
    recipe: ClassVar[str] = "auto"
    components: ClassVar[dict[str, bool]] = {
        "conditional_attention": True,
        "conditional_adapter": True,
        "conditional_layer_norm": True,
        "freeze": True,
    }
    option_defaults: ClassVar[dict[str, Any]] = {"reference_freezing": False}
    """``reference_freezing``: keep the attention FiLM generators of frozen layers at their
    initialisation, as the reference code does (docs/camtl.md); ``--fidelity reference`` sets it."""
    fidelity_options: ClassVar[dict[str, Any]] = {"reference_freezing": True}

    def build_encoder(
        self, backbone: str, tasks: Sequence[TaskSpec], options: Mapping[str, Any], max_length: int
    ) -> Encoder:
        config = CaMtlConfig(
            num_tasks=len(tasks),
            max_length=max_length,
            recipe=self.recipe,
            freeze_attention_film_in_frozen_layers=bool(options.get("reference_freezing")),
            **self.components,
        )
        try:
            return CaMtlEncoder.from_backbone(resolve_backbone(backbone), config)
        except ValueError as exc:
            raise BenchmarkError(f"cannot build {self.name} on {backbone!r}: {exc}") from exc

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        return encoder.task_specific_parameter_count(task_index)


class CaMtlLarge(CaMtl):
    """The paper's 24-layer recipe (BERT-large): adapters after every upper layer."""

    name = "camtl-large"
    label = "CA-MTL (large variant)"
    summary = "CA-MTL large recipe (24-layer backbones such as bert-large-cased)"
    recipe = "large"
