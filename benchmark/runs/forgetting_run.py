"""A run's forgetting measurement: the pretrained side before training, every trained
encoder after it, and the record's ``forgetting`` field (docs/results.md, "Forgetting").

One entry per trained encoder and, for an encoder conditioned on the task (CA-MTL), per
task it serves: the representations each task is served with are what training changed.
The measurement runs on the selected checkpoint, the one the run's scores come from.
Anything the trained side cannot give becomes an entry with status "not measured" and the
reason, never a failed run: the training it follows is not thrown away.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from benchmark.forgetting import (
    MEASURED,
    NOT_APPLICABLE,
    NOT_MEASURED,
    ForgettingProbe,
    ForgettingSettings,
    NoHiddenStates,
    as_hidden_states,
    prepared_probe,
)
from benchmark.forgetting.probe import RESULT_VERSION
from benchmark.training.config import TrainConfig
from benchmark.training.heads import MultiTaskModel

log = logging.getLogger(__name__)

SWITCHED_OFF = "switched off: the run's forgetting setting is false"
_SHARED_KEYS = ("version", "backbone", "settings")
"""Keys of a library result that are the same for every entry: kept once, at the top."""


def forgetting_settings(cfg: TrainConfig) -> ForgettingSettings:
    """The library's defaults, truncating text at the run's ``max_length``: encoders built
    for a length (CA-MTL) take no longer inputs, and every method of a scale shares it."""
    return ForgettingSettings(max_length=cfg.max_length)


def prepare_forgetting(cfg: TrainConfig, backbone: str, tokenizer: Any,
                       data_root: Any) -> ForgettingProbe | None:
    """The pretrained side (once per process), or None when the run switched it off.

    Called before training and before the run seeds torch: a backbone or data folder that
    cannot be measured stops the run before any work, and the run's random draws do not
    depend on whether this process had prepared the probe already.
    """
    if not cfg.forgetting:
        return None
    return prepared_probe(backbone, tokenizer, data_root, forgetting_settings(cfg))


def _task_indices(model: MultiTaskModel) -> list[int | None]:
    """Which task ids to measure an encoder as: each trained task's for a task-conditioned
    encoder (a ``hidden_states`` method and not ``task_conditioned = False``), else None."""
    encoder = model.encoder
    try:
        kind = as_hidden_states(encoder).kind
    except NoHiddenStates:
        return [None]
    conditioned = getattr(encoder, "task_conditioned", True)
    if kind == "protocol" and len(model.tasks) > 1 and conditioned:
        return list(range(model.carried, len(model.tasks)))
    return [None]


def _entry(probe: ForgettingProbe, model: MultiTaskModel, task_id: int | None
           ) -> dict[str, Any]:
    names = [t.name for t in model.tasks]
    trained = [t.name for t in model.trained_tasks]
    head = {"model": "+".join(trained), "task": None if task_id is None else names[task_id]}
    started = time.perf_counter()
    try:
        result = probe.measure(model.encoder, task_id=task_id or 0)
    except Exception as exc:  # a plugin's hidden_states may fail in any way; keep the run
        reason = f"the measurement failed: {type(exc).__name__}: {exc}"
        log.warning("forgetting of %s: %s", head["model"], reason)
        return {**head, "status": NOT_MEASURED, "reason": reason, "task_id": task_id,
                "seconds": {"trained": round(time.perf_counter() - started, 3)}}
    body = {k: v for k, v in result.items() if k not in _SHARED_KEYS}
    if task_id is None:
        body["task_id"] = None
    return {**head, **body}


def _overall(entries: list[dict[str, Any]]) -> tuple[str, str | None]:
    statuses = [e["status"] for e in entries]
    if MEASURED in statuses:
        return MEASURED, None
    reasons = "; ".join(dict.fromkeys(str(e.get("reason")) for e in entries))
    status = NOT_APPLICABLE if statuses and set(statuses) == {NOT_APPLICABLE} else NOT_MEASURED
    return status, reasons or "no trained encoder to measure"


def measure_run_forgetting(probe: ForgettingProbe | None, models: list[MultiTaskModel]
                           ) -> dict[str, Any]:
    """The record's ``forgetting`` field for a run's trained models."""
    if probe is None:
        return {"version": RESULT_VERSION, "status": NOT_MEASURED, "reason": SWITCHED_OFF,
                "entries": []}
    reused = probe.measured > 0
    started = time.perf_counter()
    entries = [_entry(probe, model, task_id) for model in models
               for task_id in _task_indices(model)]
    trained = time.perf_counter() - started
    pretrained = 0.0 if reused else probe.seconds[0]
    status, reason = _overall(entries)
    field: dict[str, Any] = {
        "version": RESULT_VERSION, "status": status, "backbone": probe.backbone,
        "settings": probe.settings.as_dict(), "samples": probe.shared_samples(),
        "entries": entries,
        "seconds": {"total": round(trained + pretrained, 3), "trained": round(trained, 3),
                    "pretrained": round(probe.seconds[0], 3), "pretrained_reused": reused},
    }
    if reason is not None:
        field["reason"] = reason
    log.info("forgetting measured in %.1f s (%d encoder entries%s)", trained + pretrained,
             len(entries), ", pretrained side reused" if reused else "")
    return field
