"""How much of the pretrained encoder's ability remains after training (issue 11, item 5).

Three measurements, each before vs after on fixed samples: (a) zero-shot STS-B dev
Spearman of mean-pooled, normalised embeddings, for sentence-embedding backbones;
(b) masked-LM loss of the pretrained head, for checkpoints that ship one; (c) linear CKA
per layer, for any backbone. ``measure_forgetting`` is the one entry point; the result
dict and its statuses are described in docs/results.md ("Forgetting").
"""

from __future__ import annotations

import os
from typing import Any

from benchmark.forgetting.probe import (
    MEASURED,
    NOT_APPLICABLE,
    NOT_MEASURED,
    ForgettingProbe,
    prepared_probe,
)
from benchmark.forgetting.settings import ForgettingSettings
from benchmark.forgetting.states import (
    HiddenStates,
    NoHiddenStates,
    StatesSource,
    as_hidden_states,
    hooked_hidden_states,
)


def measure_forgetting(backbone: str | os.PathLike[str], trained: Any, tokenizer: Any,
                       data_root: str | os.PathLike[str] | None, *,
                       settings: ForgettingSettings | None = None,
                       task_id: int = 0) -> dict[str, Any]:
    """Measure ``trained`` against the pretrained ``backbone`` (name or folder): a
    JSON-ready dict with ``sts``, ``mlm`` and ``cka`` parts, each with a ``status``.

    ``trained`` is a Hugging Face model, an encoder with ``hidden_states(...)`` or a
    ``.bert`` model, a ``StatesSource`` or a ``HiddenStates`` callable; task-conditioned
    encoders run as task ``task_id``. The pretrained side is computed once per process
    and reused. Raises ``BenchmarkError`` for a backbone that does not load, a data root
    that is not a folder or a malformed STS-B file; anything the backbone or encoder
    cannot give is recorded as "not applicable" / "not measured" with the reason.
    """
    probe = prepared_probe(backbone, tokenizer, data_root, settings)
    return probe.measure(trained, task_id=task_id)


__all__ = [
    "MEASURED",
    "NOT_APPLICABLE",
    "NOT_MEASURED",
    "ForgettingProbe",
    "ForgettingSettings",
    "HiddenStates",
    "NoHiddenStates",
    "StatesSource",
    "as_hidden_states",
    "hooked_hidden_states",
    "measure_forgetting",
    "prepared_probe",
]
