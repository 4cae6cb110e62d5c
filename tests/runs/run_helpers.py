"""Helpers of the run-identity tests: a tiny budget, dry-run ids, edits to inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

TINY_RUN = ["--max-train-samples", "8", "--max-eval-samples", "8", "--max-steps", "2",
            "--batch-size", "4", "--max-length", "32", "--no-progress", "--seeds", "12"]
"""A run of two optimizer steps on 8 examples: seconds with the tiny backbone."""

_ID_LINE = re.compile(r"^\s+([0-9a-f]{16})\s+\[(\w+)\]", re.MULTILINE)
_CHANGED = re.compile(r"inputs changed \((?P<parts>[^)]*)\)")


@dataclass
class Outcome:
    """What one `run` command gave: exit code, stdout, stderr and the log."""

    code: int
    out: str
    err: str
    log: str


def planned_ids(outcome: Outcome) -> list[str]:
    """The run ids a dry run printed."""
    assert outcome.code == 0, outcome.err
    return [run_id for run_id, _state in _ID_LINE.findall(outcome.out)]


def changed_parts(log: str) -> str:
    """The parts a retrain's log line names, e.g. ``"data: rte/train; backbone weights"``."""
    found = _CHANGED.findall(log)
    assert len(found) == 1, f"expected one 'inputs changed' line in:\n{log}"
    return found[0]


def swap_weights(folder: Path) -> None:
    """Replace the checkpoint's weights by other values of the same shapes, under the same name."""
    weights = folder / "model.safetensors"
    tensors = load_file(weights)
    generator = torch.Generator().manual_seed(1)
    swapped = {k: torch.randn(v.shape, generator=generator).to(v.dtype)
               for k, v in tensors.items()}
    save_file(swapped, weights, metadata={"format": "pt"})


def write_user_task(folder: Path, *, text_fields: str, labels: str) -> Path:
    """(Re)declare the user task ``reviews`` over ``folder``'s train.tsv and dev.tsv."""
    path = folder / "tasks.yaml"
    path.write_text(
        "tasks:\n"
        "  - name: reviews\n"
        "    files: {train: train.tsv, dev: dev.tsv}\n"
        f"    text_fields: {text_fields}\n"
        "    label_field: label\n"
        f"    labels: {labels}\n"
        "    metrics: [accuracy, f1]\n"
    )
    return path


def append_row(path: Path, row: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(row)
