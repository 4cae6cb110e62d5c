"""``fidelity: reference``: the reference code's choices where this project deliberately differs.

One switch, applied once in plan, so the run id, the record and training see the same values.
Training settings change here; method-side choices (CA-MTL's freezing of the attention FiLM in
frozen layers) come from each method's ``fidelity_options``, so no method is named here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from benchmark.training.config import TrainConfig

REFERENCE_TRAINING: Mapping[str, Any] = {
    "weight_decay": 0.0,
    "model_selection": "best-dev",
    "scoring_mode": "train-fp32",
    "regression_scores_from": "mrpc",
    "uncertainty_warmup": 0.0,
    "uncertainty_epoch": "largest-x-tasks",
    "regression_calibration": False,
}
"""The reference code: no weight decay; per-metric maximum over dev evaluations; MT-Uncertainty
scored in train mode (dropout on) in fp32; regression candidates copy MRPC's scores; no
random warm-up before the uncertainty ranking; an MT-Uncertainty epoch of (largest task's
batches) x T steps; regression heads on the raw labels."""


REFERENCE_CHOICES: tuple[str, ...] = (
    "weight decay 0",
    "MT-Uncertainty scored in train mode (dropout on) in fp32",
    "STS-B's candidates scored with MRPC's entropies",
    "no random warm-up before the MT-Uncertainty ranking",
    "an MT-Uncertainty epoch of the largest task's batches x tasks",
    "regression heads on the raw labels",
    "the frozen layers' attention FiLM frozen (CA-MTL)",
    "each metric's best dev evaluation (optimistic)",
)
"""What ``--fidelity reference`` changes, in words, for reports (the training settings above
and the methods' ``fidelity_options``)."""


def apply_fidelity(cfg: TrainConfig) -> TrainConfig:
    """``cfg`` with the reference settings when ``cfg.fidelity`` is ``reference``."""
    if cfg.fidelity != "reference":
        return cfg
    return dataclasses.replace(cfg, **REFERENCE_TRAINING)


def fidelity_method_options(fidelity_options: Mapping[str, Any], fidelity: str) -> dict[str, Any]:
    """The method options a fidelity asks for (a method's ``fidelity_options`` under reference)."""
    return dict(fidelity_options) if fidelity == "reference" else {}
