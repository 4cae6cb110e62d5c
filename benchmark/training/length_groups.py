"""A step's batch run as a few length groups: the same update, less padding.

A batch pads every row to its longest. A mixed batch (MT-Uncertainty takes rows from every
task) puts RTE's 100-token pairs beside CoLA's 10-token sentences, so most of its tokens can
be padding. Running the short and the long rows as separate forward/backward passes before one
optimizer step computes the same gradient: rows do not interact (attention is masked per
row; CA-MTL's block bias depends on absolute positions only), and the loss is split with
weights that add up to the whole batch's loss (``group_loss``). Only float rounding differs,
as it would on another CPU. Used when the split saves at least ``MIN_SAVING`` of the
tokens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from torch import Tensor

from benchmark.data.tokenize import TokenizedExample
from benchmark.formats.registry import format_of
from benchmark.tasks.spec import TaskSpec

MIN_SAVING = 0.25
"""Split only when the two groups pad at least this share fewer tokens than one batch."""
MIN_GROUP = 4
"""Examples in every group at least: a tiny forward pass costs more than it saves."""
MAX_GROUPS = 3
"""Passes per step at most."""
PASS_OVERHEAD = 256
"""A pass's fixed cost (kernel launches, the optimizer's hooks) in padded tokens: a split of
a batch of short sentences saves less than that (measured: tests/benchmarks)."""


def _tokens(example: TokenizedExample) -> tuple[int, int]:
    """(rows, longest row) of one example: it pads as that many rows of that width."""
    return len(example.input_ids), max(len(row) for row in example.input_ids)


def length_groups(items: Sequence[tuple[int, TokenizedExample]]) -> list[list[int]]:
    """Positions of ``items`` in one group, or in up to ``MAX_GROUPS`` groups of similar
    length when that pads ``MIN_SAVING`` fewer tokens; each group keeps the batch's order.

    The cut points are the ones that pad the fewest tokens (an exact search over the rows
    sorted by length), each group holding at least ``MIN_GROUP`` examples.
    """
    sizes = [_tokens(example) for _, example in items]
    order = sorted(range(len(items)), key=lambda i: sizes[i][1])
    n = len(order)
    rows_before = [0]
    for i in order:
        rows_before.append(rows_before[-1] + sizes[i][0])
    def cost(first: int, last: int) -> int:  # the sorted examples first..last-1 as one group
        return (rows_before[last] - rows_before[first]) * sizes[order[last - 1]][1] \
            + PASS_OVERHEAD

    whole = cost(0, n) if n else 0

    # best[g][k]: fewest padded tokens for the first k sorted examples in g groups
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(MAX_GROUPS + 1)]
    cut = [[0] * (n + 1) for _ in range(MAX_GROUPS + 1)]
    best[0][0] = 0
    for g in range(1, MAX_GROUPS + 1):
        for k in range(g * MIN_GROUP, n + 1):
            for j in range((g - 1) * MIN_GROUP, k - MIN_GROUP + 1):
                value = best[g - 1][j] + cost(j, k)
                if value < best[g][k]:
                    best[g][k], cut[g][k] = value, j
    groups = min(range(1, MAX_GROUPS + 1), key=lambda g: (best[g][n], g))
    if groups == 1 or best[groups][n] > (1 - MIN_SAVING) * whole:
        return [list(range(n))]
    bounds, k = [], n
    for g in range(groups, 0, -1):
        bounds.append((cut[g][k], k))
        k = cut[g][k]
    label = {}
    for number, (first, last) in enumerate(reversed(bounds)):
        label.update(dict.fromkeys(order[first:last], number))
    return [[i for i in range(n) if label[i] == number] for number in range(groups)]


def loss_units(items: Sequence[tuple[int, TokenizedExample]], tasks: Sequence[TaskSpec]
               ) -> Counter:
    """task index -> the terms its loss averages over in ``items`` (its format's
    ``loss_units``: examples, or words, or windows)."""
    units: Counter = Counter()
    for task, feature in items:
        units[task] += format_of(tasks[task]).loss_units(tasks[task], feature)
    return units


def group_loss(losses: Mapping[int, Tensor], group_units: Mapping[int, int],
               batch_units: Mapping[int, int]) -> Tensor:
    """This group's part of the whole batch's loss (the mean over the batch's tasks of each
    task's mean loss): task t's group loss weighted by the group's share of t's loss terms
    in the batch (``loss_units``), divided by the number of tasks in the batch. The groups'
    parts sum to the whole, for means over examples, words or windows alike."""
    parts = [loss * (group_units[task] / batch_units[task]) if batch_units[task] else loss * 0.0
             for task, loss in losses.items()]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total / len(batch_units)
