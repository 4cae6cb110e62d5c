"""CA-MTL (Pilault, El hattami and Pal, ICLR 2021) on any BERT-family backbone.

Imports only torch, transformers and safetensors: nothing of the benchmark.
"""

from camtl.accounting import ParameterCounts, count_parameters
from camtl.backbones import DEFAULT_BACKBONE, resolve_backbone
from camtl.config import CaMtlConfig, LayerSpec, block_layout
from camtl.encoder import CaMtlEncoder, EncoderOutput
from camtl.heads import CaMtlForMultiTask, MultiTaskOutput, TaskHeads, multitask_loss
from camtl.recipe import LayerRecipe, base_recipe, large_recipe, resolve_recipe
from camtl.scoring import CandidateScorer, default_precision, score_candidates
from camtl.uncertainty import mt_uncertainty_scores, normalized_entropy, select_most_uncertain

__all__ = [
    "DEFAULT_BACKBONE",
    "CandidateScorer",
    "CaMtlConfig",
    "CaMtlEncoder",
    "CaMtlForMultiTask",
    "EncoderOutput",
    "LayerRecipe",
    "LayerSpec",
    "MultiTaskOutput",
    "ParameterCounts",
    "TaskHeads",
    "base_recipe",
    "block_layout",
    "count_parameters",
    "default_precision",
    "large_recipe",
    "multitask_loss",
    "mt_uncertainty_scores",
    "normalized_entropy",
    "resolve_backbone",
    "resolve_recipe",
    "score_candidates",
    "select_most_uncertain",
]
