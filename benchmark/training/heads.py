"""Task heads shared by every method, and the multi-task loss.

Methods differ only in their encoder; every method gets the same heads (dropout
0.1 + Linear on the pooled output, as in the paper) and the same loss rules:
cross-entropy for classification, mean squared error for regression, and for
multiple choice one score per candidate row with a softmax across the example's
candidates. A mixed batch's loss is the mean of its per-task losses.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmark.methods.interface import Encoder, EncoderOutput, encoder_output
from benchmark.tasks.spec import TaskSpec


class TaskHeads(nn.Module):
    """One linear head per task, applied to all rows in one pass.

    The heads' weights are zero-padded to the widest head, so a batch that mixes
    tasks is one batched matmul instead of a loop over tasks.
    """

    def __init__(self, hidden_size: int, num_outputs: Sequence[int], dropout: float = 0.1):
        super().__init__()
        self.num_outputs = list(num_outputs)
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleList(nn.Linear(hidden_size, n) for n in self.num_outputs)
        for head in self.heads:
            nn.init.normal_(head.weight, std=0.02)
            nn.init.zeros_(head.bias)
        # Regression heads predict (y - mean) / std of their training labels: a head on a
        # tanh pooler starts near 0 and could not reach STS-B's 0..5 range in a short budget.
        self.register_buffer("output_scale", torch.ones(len(self.num_outputs)))
        self.register_buffer("output_shift", torch.zeros(len(self.num_outputs)))

    def calibrate_regression(self, task_index: int, mean: float, std: float) -> None:
        """Express task ``task_index``'s output in its training labels' units."""
        self.output_scale[task_index] = max(std, 1e-6)
        self.output_shift[task_index] = mean

    def forward(self, pooled: Tensor, task_ids: Tensor) -> Tensor:
        """Return logits [rows, widest head]; columns past a task's width are zero."""
        width = max(self.num_outputs)
        weight = torch.stack(
            [F.pad(h.weight, (0, 0, 0, width - h.out_features)) for h in self.heads]
        )
        bias = torch.stack([F.pad(h.bias, (0, width - h.out_features)) for h in self.heads])
        pooled = self.dropout(pooled)
        logits = torch.bmm(weight[task_ids].to(pooled.dtype), pooled.unsqueeze(-1)).squeeze(-1)
        logits = logits + bias[task_ids].to(pooled.dtype)
        scale = self.output_scale[task_ids].to(logits.dtype).unsqueeze(-1)
        shift = self.output_shift[task_ids].to(logits.dtype).unsqueeze(-1)
        return logits * scale + shift


class MultiTaskModel(nn.Module):
    """A method's encoder plus the harness's heads for the tasks it serves."""

    def __init__(self, encoder: Encoder, tasks: Sequence[TaskSpec]):
        super().__init__()
        self.encoder = encoder
        self.tasks = list(tasks)
        self.heads = TaskHeads(encoder.hidden_size, [t.num_outputs for t in self.tasks])

    def encode(self, batch: dict[str, Tensor], all_positions: bool = False) -> EncoderOutput:
        """The encoder's token states and pooled vectors for ``batch``.

        ``all_positions``: every position's token state (for token-level tasks); without it an
        encoder may compute only what the pooled vector needs (see ``EncoderOutput``).
        """
        arguments = (
            batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], batch["task_ids"]
        )
        # pooled batches pass no keyword: an interface-1 forward then runs and returns a tensor,
        # which encoder_output refuses with what to change (instead of a bare TypeError)
        asked = {"all_positions": True} if all_positions else {}
        return encoder_output(self.encoder(*arguments, **asked), self.encoder)

    def forward(self, batch: dict[str, Tensor]) -> Tensor:
        """Logits of the rows of ``batch`` from their pooled vectors."""
        return self.heads(self.encode(batch).pooled, batch["task_ids"])


def example_outputs(
    logits: Tensor, batch: dict[str, Tensor], task: TaskSpec, task_index: int
) -> tuple[Tensor, Tensor]:
    """Pick out one task's examples: (their outputs, positions in the batch's example list).

    Classification: [n, classes] logits; regression: [n] values; multiple choice:
    [n, max choices] scores with -inf where an example has fewer candidates.
    """
    example_ids = torch.nonzero(batch["example_task"] == task_index).squeeze(-1)
    rows = torch.nonzero(batch["task_ids"] == task_index).squeeze(-1)
    if task.task_type == "classification":
        return logits[rows, : task.num_outputs], example_ids
    if task.task_type == "regression":
        return logits[rows, 0], example_ids
    row_example = batch["row_example"][rows]
    local = torch.searchsorted(example_ids, row_example)
    counts = torch.bincount(local, minlength=example_ids.numel())
    starts = torch.cumsum(counts, 0) - counts
    position = torch.arange(rows.numel(), device=rows.device) - starts[local]
    scores = logits.new_full((example_ids.numel(), int(counts.max())), float("-inf"))
    scores[local, position] = logits[rows, 0]
    return scores, example_ids


def multitask_loss(logits: Tensor, batch: dict[str, Tensor], tasks: Sequence[TaskSpec]) -> Tensor:
    """Mean over the tasks present in the batch of each task's own loss."""
    losses = []
    for index in torch.unique(batch["example_task"]).tolist():
        task = tasks[index]
        outputs, example_ids = example_outputs(logits, batch, task, index)
        labels = batch["labels"][example_ids]
        if task.task_type == "regression":
            losses.append(F.mse_loss(outputs.float(), labels.float()))
        else:
            losses.append(F.cross_entropy(outputs.float(), labels.long()))
    return torch.stack(losses).mean()
