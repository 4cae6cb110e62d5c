"""CA-MTL (Pilault et al., ICLR 2021) as a benchmark method, built from the `camtl` library.

The `camtl` library knows nothing of the benchmark; this module fits it to the method
interface: ``CaMtlMethodEncoder`` gives the interface's ``EncoderOutput`` (its top layer runs
on [CLS] only unless all positions are asked for), and ``CaMtl.candidate_scoring`` is CA-MTL's
own MT-Uncertainty scoring path (``baselines.camtl_scoring``: bf16 where the hardware has
it, else int8 linears on CPUs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from torch import Tensor

from baselines.camtl_scoring import camtl_candidate_scoring
from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Encoder, EncoderOutput, Method
from benchmark.methods.scoring import CandidateScoring, ScoringRequest
from benchmark.tasks.spec import TaskSpec
from camtl import CaMtlConfig, CaMtlEncoder
from camtl.backbones import resolve_backbone
from camtl.config import block_layout
from camtl.loading import SUPPORTED_MODEL_TYPES


class CaMtlMethodEncoder(CaMtlEncoder, Encoder):
    """The camtl library's encoder, speaking the method interface (same weights and names)."""

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor | None = None,
        token_type_ids: Tensor | None = None,
        task_ids: Tensor | None = None,
        all_positions: bool = False,
    ) -> EncoderOutput:
        """Token states of every position with ``all_positions``; else of [CLS] only
        (``tokens [rows, 1, hidden]``): the top layer then computes that one position."""
        out = self.encode(
            input_ids, attention_mask, token_type_ids, task_ids, output_sequence=all_positions
        )
        return EncoderOutput(tokens=out.sequence, pooled=out.pooled)


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
            return CaMtlMethodEncoder.from_backbone(resolve_backbone(backbone), config)
        except ValueError as exc:
            raise BenchmarkError(f"cannot build {self.name} on {backbone!r}: {exc}") from exc

    def check_build(self, backbone_config: Mapping[str, Any], options: Mapping[str, Any],
                    max_length: int) -> None:
        """Conditional attention needs hidden size = N x max_length (N diagonal blocks)."""
        hidden_size = backbone_config.get("hidden_size")
        if not self.components["conditional_attention"] or not isinstance(hidden_size, int):
            return
        try:
            block_layout(hidden_size, max_length)
        except ValueError as exc:
            raise BenchmarkError(f"method {self.name!r} cannot be built with --max-length "
                                 f"{max_length} on this backbone: {exc} Pass --max-length one "
                                 "of those, or run the other methods without it.") from None

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        return encoder.task_specific_parameter_count(task_index)

    def candidate_scoring(self, encoder: Encoder, request: ScoringRequest) -> CandidateScoring:
        """bf16 where the hardware has it, else int8 linears on CPUs (eval mode); the reference
        fidelity's train-mode fp32 scoring as the default hook gives it."""
        return camtl_candidate_scoring(encoder, request)


class CaMtlLarge(CaMtl):
    """The paper's 24-layer recipe (BERT-large): adapters after every upper layer."""

    name = "camtl-large"
    label = "CA-MTL (large variant)"
    summary = "CA-MTL large recipe (24-layer backbones such as bert-large-cased)"
    recipe = "large"
