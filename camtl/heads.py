"""The paper's per-task decoders on the pooled output, and the mixed-batch loss.

Each task i has its own ``Dropout(0.1) + Linear(h, C_i)`` (C_i = 1 for regression). The T
linear maps are stored packed in one matrix so that a mixed batch is one matrix product and
one gather; the maths is that of T separate heads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from camtl.encoder import CaMtlEncoder
from camtl.linear import linear

HEADS_FILE = "heads.safetensors"
HEADS_CONFIG_FILE = "heads_config.json"


@dataclass
class MultiTaskOutput:
    """``logits [N, C_max]`` (columns past a task's C_i are 0), pooled output, losses."""

    logits: torch.Tensor
    pooled: torch.Tensor
    loss: torch.Tensor | None = None
    per_task_loss: torch.Tensor | None = None


class TaskHeads(nn.Module):
    """T linear heads, packed: head i owns rows ``offsets[i] : offsets[i] + C_i``."""

    def __init__(
        self,
        hidden_size: int,
        task_num_outputs: Sequence[int],
        dropout: float = 0.1,
        initializer_range: float = 0.02,
    ) -> None:
        super().__init__()
        outputs = [int(c) for c in task_num_outputs]
        if not outputs or min(outputs) < 1:
            raise ValueError(f"every task needs at least one output, got {outputs}")
        self.task_num_outputs = tuple(outputs)
        self.dropout = nn.Dropout(dropout)
        self.weight = nn.Parameter(
            torch.empty(sum(outputs), hidden_size).normal_(std=initializer_range)
        )
        self.bias = nn.Parameter(torch.zeros(sum(outputs)))
        widest = max(outputs)
        offsets = torch.tensor([0, *outputs[:-1]]).cumsum(0)
        columns = torch.arange(widest)
        valid = columns[None, :] < torch.tensor(outputs)[:, None]
        self.register_buffer("column_index", (offsets[:, None] + columns) * valid, persistent=False)
        self.register_buffer("valid", valid, persistent=False)
        self.register_buffer("num_outputs", torch.tensor(outputs), persistent=False)

    def forward(self, pooled: torch.Tensor, task_ids: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, C_max]`` of each example's own head."""
        every_head = linear(self.dropout(pooled), self.weight, self.bias)
        own = every_head.gather(1, self.column_index[task_ids])
        return own * self.valid[task_ids]

    def parameter_count(self, task_index: int) -> int:
        """Weights and biases of head ``task_index``."""
        return self.task_num_outputs[task_index] * (self.weight.shape[1] + 1)


def multitask_loss(
    logits: torch.Tensor, labels: torch.Tensor, task_ids: torch.Tensor, num_outputs: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean over the tasks present of each task's mean loss; and the per-task losses.

    Cross-entropy over a classification task's own C_i columns, squared error on column 0
    for a regression task (C_i = 1). ``labels`` is one tensor: class indices for
    classification rows, targets for regression rows. Absent tasks get NaN per-task loss.
    """
    classes = num_outputs[task_ids]
    regression = classes == 1
    labels = labels.to(logits.device)
    class_index = torch.where(regression, 0, labels.long())
    if bool(((class_index < 0) | (class_index >= classes)).any()):
        raise ValueError("a classification label is outside its task's classes")
    logits = logits.float()
    valid = torch.arange(logits.shape[1], device=logits.device)[None, :] < classes[:, None]
    masked = logits.masked_fill(~valid, float("-inf"))
    cross_entropy = masked.logsumexp(1) - masked.gather(1, class_index[:, None]).squeeze(1)
    squared_error = (logits[:, 0] - labels.float()).square()
    per_example = torch.where(regression, squared_error, cross_entropy)
    num_tasks = num_outputs.shape[0]
    sums = torch.zeros(num_tasks, device=logits.device).index_add(0, task_ids, per_example)
    counts = torch.bincount(task_ids, minlength=num_tasks)
    per_task = sums / counts.clamp_min(1)
    present = counts > 0
    loss = (per_task * present).sum() / present.sum()
    return loss, per_task.masked_fill(~present, float("nan"))


class CaMtlForMultiTask(nn.Module):
    """A CA-MTL encoder with the paper's decoders: one head per task on the pooled output."""

    def __init__(
        self, encoder: CaMtlEncoder, task_num_outputs: Sequence[int], head_dropout: float = 0.1
    ) -> None:
        super().__init__()
        if len(task_num_outputs) != encoder.num_tasks:
            raise ValueError(
                f"{len(task_num_outputs)} heads for an encoder built for {encoder.num_tasks} tasks"
            )
        self.encoder = encoder
        self.heads = TaskHeads(
            encoder.hidden_size,
            task_num_outputs,
            head_dropout,
            encoder.backbone_config.initializer_range,
        )

    @property
    def num_classes(self) -> tuple[int, ...]:
        return self.heads.task_num_outputs

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        task_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> MultiTaskOutput:
        """Logits of each example's own head; the mixed-batch loss when labels are given."""
        pooled = self.encoder.encode(input_ids, attention_mask, token_type_ids, task_ids).pooled
        if task_ids is None:
            task_ids = torch.zeros(input_ids.shape[0], dtype=torch.long, device=input_ids.device)
        task_ids = torch.as_tensor(task_ids, device=pooled.device).long()
        logits = self.heads(pooled, task_ids)
        output = MultiTaskOutput(logits=logits, pooled=pooled)
        if labels is not None:
            output.loss, output.per_task_loss = multitask_loss(
                logits, labels, task_ids, self.heads.num_outputs
            )
        return output

    def trainable_groups(self) -> dict[str, list[str]]:
        """The encoder's trainable groups plus the heads."""
        groups = {
            g: [f"encoder.{n}" for n in names]
            for g, names in self.encoder.trainable_groups().items()
        }
        groups["heads"] = [f"heads.{name}" for name, _ in self.heads.named_parameters()]
        return groups

    def task_specific_parameter_count(self, task_index: int) -> int:
        """Task embedding row + the task's head."""
        return self.encoder.task_specific_parameter_count(task_index) + self.heads.parameter_count(
            task_index
        )

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """The encoder's files plus ``heads.safetensors`` and ``heads_config.json``."""
        path = Path(directory)
        self.encoder.save_pretrained(path)
        config = {"task_num_outputs": list(self.num_classes), "dropout": self.heads.dropout.p}
        (path / HEADS_CONFIG_FILE).write_text(json.dumps(config, indent=2))
        state = {n: t.detach().contiguous() for n, t in self.heads.state_dict().items()}
        save_file(state, str(path / HEADS_FILE), metadata={"format": "pt"})

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> CaMtlForMultiTask:
        """Inverse of ``save_pretrained``."""
        path = Path(directory)
        config = json.loads((path / HEADS_CONFIG_FILE).read_text())
        model = cls(
            CaMtlEncoder.from_pretrained(path), config["task_num_outputs"], config["dropout"]
        )
        model.heads.load_state_dict(load_file(str(path / HEADS_FILE)))
        return model
