"""The paper's ablation ladder: each rung adds one CA-MTL component to the previous one.

standard MTL -> + conditional attention -> + conditional adapter -> + conditional
layer norm -> + MT-Uncertainty sampling (= `camtl`). The first four sample tasks
proportionally; the conditional rungs keep CA-MTL's freezing rule so that only the
sampler separates the last rung from `camtl`.
"""

from __future__ import annotations

from baselines.camtl_method import CaMtl


class AblationMtl(CaMtl):
    name = "ablation-mtl"
    label = "Ablation: standard MTL"
    family = "ablation"
    summary = "ablation rung 1: standard MTL on the CA-MTL code path (nothing conditional)"
    default_sampler = "proportional"
    components = {
        "conditional_attention": False,
        "conditional_adapter": False,
        "conditional_layer_norm": False,
        "freeze": False,
    }


class AblationConditionalAttention(AblationMtl):
    name = "ablation-ca"
    label = "Ablation: + conditional attention"
    summary = "ablation rung 2: + conditional attention"
    components = {**AblationMtl.components, "conditional_attention": True, "freeze": True}


class AblationConditionalAdapter(AblationConditionalAttention):
    name = "ablation-ca-adapter"
    label = "Ablation: + conditional adapter"
    summary = "ablation rung 3: + conditional adapter"
    components = {**AblationConditionalAttention.components, "conditional_adapter": True}


class AblationConditionalLayerNorm(AblationConditionalAdapter):
    name = "ablation-ca-adapter-cln"
    label = "Ablation: + conditional layer norm"
    summary = "ablation rung 4: + conditional layer norm (CA-MTL without MT-Uncertainty)"
    components = {**AblationConditionalAdapter.components, "conditional_layer_norm": True}
