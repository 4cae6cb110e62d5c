"""Task heads shared by every method, and the multi-task loss.

Methods differ only in their encoder; every method gets the same heads (dropout
0.1 + Linear on the pooled output, as in the paper) and the same loss rules:
cross-entropy for classification, mean squared error for regression, and for
multiple choice one score per candidate row with a softmax across the example's
candidates. A mixed batch's loss is the mean of its per-task losses. Token tasks (NER)
get a second linear head on the token states at each word's first sub-token; a batch
holding them returns [rows, 1 + words, width] logits, column 0 the pooled heads' logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmark.formats.registry import format_of
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
        self.carried = 0
        """Leading tasks carried from a source model and not trained here (adaptation)."""
        self.heads = TaskHeads(encoder.hidden_size, [t.num_outputs for t in self.tasks])
        token = [format_of(t).token_states for t in self.tasks]
        # only models with token tasks get token heads: other checkpoints keep their keys
        self.token_heads = (
            TaskHeads(encoder.hidden_size,
                      [t.num_outputs if k else 1 for t, k in zip(self.tasks, token, strict=True)])
            if any(token) else None
        )
        for head, reads_tokens in zip(self.heads.heads, token, strict=True):
            if reads_tokens:  # its pooled head is never read: not trained, not counted
                head.requires_grad_(False)
        if self.token_heads is not None:
            for head, reads_tokens in zip(self.token_heads.heads, token, strict=True):
                if not reads_tokens:  # the token-head slot of a pooled task, likewise
                    head.requires_grad_(False)

    @property
    def trained_tasks(self) -> list[TaskSpec]:
        """The tasks this model was trained for: all, less the carried ones."""
        return self.tasks[self.carried:]

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
        """Logits of the rows of ``batch`` from their pooled vectors; with token-task rows
        (``word_positions`` in the batch) [rows, 1 + words, width], see ``word_logits``."""
        words = "word_positions" in batch
        output = self.encode(batch, all_positions=words)
        logits = self.heads(output.pooled, batch["task_ids"])
        if not words:
            return logits
        if self.token_heads is None:
            raise ValueError("the batch holds token-task rows but the model has no token task")
        return word_logits(logits, output.tokens, batch, self.token_heads)


def word_logits(pooled_logits: Tensor, tokens: Tensor, batch: dict[str, Tensor],
                token_heads: TaskHeads) -> Tensor:
    """[rows, 1 + words, width]: column 0 the pooled logits, then each word's tag logits
    from its first sub-token's state (zeros for a word with none, NaN past the row's words)."""
    positions = batch["word_positions"]
    index = positions.clamp_min(0).unsqueeze(-1).expand(-1, -1, tokens.shape[-1])
    states = torch.gather(tokens, 1, index)  # [R, W, H]
    rows, words, hidden = states.shape
    per_word = token_heads(states.reshape(rows * words, hidden),
                           batch["task_ids"].repeat_interleave(words)).reshape(rows, words, -1)
    per_word = per_word.masked_fill((positions == -1).unsqueeze(-1), 0.0)
    per_word = per_word.masked_fill((positions == -2).unsqueeze(-1), float("nan"))
    width = max(pooled_logits.shape[-1], per_word.shape[-1])
    out = pooled_logits.new_zeros((rows, 1 + words, width))
    out[:, 0, : pooled_logits.shape[-1]] = pooled_logits
    out[:, 1:, : per_word.shape[-1]] = per_word.to(out.dtype)
    return out


def example_outputs(
    logits: Tensor, batch: dict[str, Tensor], task: TaskSpec, task_index: int
) -> tuple[Tensor, Tensor]:
    """Pick out one task's examples: (their outputs, positions in the batch's example list).

    Classification: [n, classes] logits; regression: [n] values; multiple choice:
    [n, max choices] scores with -inf where an example has fewer candidates.
    """
    if logits.dim() == 3:  # a batch with token tasks: the pooled logits are column 0
        logits = logits[:, 0]
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


def task_losses(logits: Tensor, batch: dict[str, Tensor], tasks: Sequence[TaskSpec]
                ) -> dict[int, Tensor]:
    """{task index: its own loss (its format's)} for the tasks in the batch."""
    losses = {}
    for index in torch.unique(batch["example_task"]).tolist():
        task = tasks[index]
        fmt = format_of(task)
        outputs, example_ids = fmt.example_outputs(logits, batch, task, index)
        losses[index] = fmt.loss(task, outputs, fmt.batch_labels(batch, example_ids))
    return losses


def multitask_loss(logits: Tensor, batch: dict[str, Tensor], tasks: Sequence[TaskSpec]) -> Tensor:
    """Mean over the tasks present in the batch of each task's own loss (its format's)."""
    return torch.stack(list(task_losses(logits, batch, tasks).values())).mean()
