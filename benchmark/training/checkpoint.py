"""Save and reload a trained multi-task model (any method) with safetensors.

A checkpoint is the method's name, options, backbone and task list (JSON) plus the
full state dict; reloading rebuilds the encoder through the method and loads the
weights, so plugins get checkpoints for free.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from safetensors.torch import load_model, save_model

from benchmark.atomic import atomic_target, atomic_write_json
from benchmark.errors import BenchmarkError
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel

META_FILE = "camtl_bench_model.json"
WEIGHTS_FILE = "model.safetensors"


def save_checkpoint(
    model: MultiTaskModel,
    folder: Path,
    method: str,
    options: Mapping[str, Any],
    backbone: str,
    max_length: int,
) -> Path:
    folder = Path(folder)
    with atomic_target(folder / WEIGHTS_FILE) as temp:
        save_model(model, str(temp))
    meta = {
        "method": method,
        "method_options": dict(options),
        "backbone": backbone,
        "max_length": max_length,
        "tasks": [t.name for t in model.tasks],
    }
    atomic_write_json(folder / META_FILE, meta, sort_keys=False)
    return folder


def load_checkpoint(folder: Path) -> MultiTaskModel:
    folder = Path(folder)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BenchmarkError(f"{folder} is not a camtl-bench checkpoint (no {META_FILE})") from exc
    method = get_method(meta["method"])
    tasks = [get_task(name) for name in meta["tasks"]]
    encoder = method.build_encoder(
        meta["backbone"], tasks, meta["method_options"], meta["max_length"]
    )
    model = MultiTaskModel(encoder, tasks)
    load_model(model, str(folder / WEIGHTS_FILE))
    return model
