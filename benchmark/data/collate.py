"""Batch examples of several tasks and task types into padded tensors.

A batch is a list of rows (one per classification/regression example, one per
candidate of a multiple-choice example), padded to the longest row in the batch
rather than to ``max_length``: on short-sentence tasks this cuts most of the
compute. ``row_example`` maps rows back to examples, so the loss can softmax each
example's candidates and the encoder can be conditioned on ``task_ids`` per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from benchmark.data.tokenize import TokenizedExample


def collate(items: Sequence[tuple[int, TokenizedExample]], pad_token_id: int) -> dict[str, Tensor]:
    """Tensors for a mixed batch of (task_index, example) pairs.

    Returns ``input_ids``, ``attention_mask``, ``token_type_ids`` [R, L] (L = longest
    row), ``task_ids`` and ``row_example`` [R], ``example_task`` [B] and float
    ``labels`` [B]; with token-task examples also ``word_positions`` and ``word_labels``.
    """
    if not items:
        raise ValueError("cannot collate an empty batch")
    rows = [(task, b, ids, types) for b, (task, ex) in enumerate(items)
            for ids, types in zip(ex.input_ids, ex.token_type_ids, strict=True)]
    width = max(len(ids) for _, _, ids, _ in rows)
    input_ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
    token_type_ids = torch.zeros((len(rows), width), dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, (_, _, ids, types) in enumerate(rows):
        n = len(ids)
        input_ids[r, :n] = torch.as_tensor(ids, dtype=torch.long)
        token_type_ids[r, :n] = torch.as_tensor(types, dtype=torch.long)
        attention_mask[r, :n] = 1
    batch = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "token_type_ids": token_type_ids,
        "task_ids": torch.tensor([task for task, _, _, _ in rows], dtype=torch.long),
        "row_example": torch.tensor([b for _, b, _, _ in rows], dtype=torch.long),
        "example_task": torch.tensor([task for task, _ in items], dtype=torch.long),
        "labels": torch.tensor([ex.label for _, ex in items], dtype=torch.float),
    }
    if any(ex.word_positions is not None for _, ex in items):
        batch.update(_word_tensors(items, rows))
    if any(ex.span_targets is not None for _, ex in items):
        batch.update(_span_tensors(items, rows, width))
    return batch


def _span_tensors(items: Sequence[tuple[int, TokenizedExample]], rows: list, width: int
                  ) -> dict[str, Tensor]:
    """Span (QA) tasks' windows: ``span_targets`` [R, 2] (start and end position, -100 on
    other rows) and ``span_offsets`` [R, L, 2] (each token's character span in the passage,
    -1 for question, special and padding tokens and on other rows)."""
    targets = torch.full((len(rows), 2), -100, dtype=torch.long)
    offsets = torch.full((len(rows), width, 2), -1, dtype=torch.long)
    seen: dict[int, int] = {}
    for r, (_, b, ids, _) in enumerate(rows):
        ex = items[b][1]
        if ex.span_targets is None or ex.span_offsets is None:
            continue
        k = seen.get(b, 0)
        seen[b] = k + 1
        targets[r] = torch.as_tensor(ex.span_targets[2 * k:2 * k + 2], dtype=torch.long)
        before = sum(len(row) for row in ex.input_ids[:k])
        flat = ex.span_offsets[2 * before:2 * (before + len(ids))]
        offsets[r, : len(ids)] = torch.as_tensor(flat, dtype=torch.long).reshape(-1, 2)
    return {"span_targets": targets, "span_offsets": offsets}


def _word_tensors(items: Sequence[tuple[int, TokenizedExample]], rows: list) -> dict[str, Tensor]:
    """Token tasks' word maps: ``word_positions`` [R, W] (first sub-token per word, -1 for a
    word with none, -2 past the row's words; every row of other tasks -2) and
    ``word_labels`` [B, W] (tag ids, -100 where there is nothing to learn)."""
    words = max([1, *(len(ex.word_positions or ()) for _, ex in items)])
    positions = torch.full((len(rows), words), -2, dtype=torch.long)
    labels = torch.full((len(items), words), -100, dtype=torch.long)
    for b, (_, ex) in enumerate(items):
        if ex.word_positions is None or ex.word_labels is None:
            continue
        n = len(ex.word_positions)
        labels[b, :n] = torch.as_tensor(ex.word_labels, dtype=torch.long)
    for r, (_, b, _, _) in enumerate(rows):
        ex = items[b][1]
        if ex.word_positions is not None:
            positions[r, : len(ex.word_positions)] = torch.as_tensor(ex.word_positions,
                                                                     dtype=torch.long)
    return {"word_positions": positions, "word_labels": labels}
