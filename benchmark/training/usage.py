"""Data-usage accounting: which training examples actually received a gradient update.

The paper reports that CA-MTL uses "around 66% of the data"; it does not say how that
is counted. Here: per task, ``updated`` = distinct examples that were in at least one
batch followed by an optimizer step, ``seen`` = examples drawn (repeats and scored
but unselected MT-Uncertainty candidates included), ``ratio = updated / available``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DEFINITION = (
    "updated = distinct training examples in at least one batch that received an optimizer step; "
    "seen = examples drawn, repeats and scored MT-Uncertainty candidates included; "
    "ratio = updated / available (after the training-sample budget)"
)


class DataUsage:
    """Counts per task, fed by the training loop after every step."""

    def __init__(self, task_names: Sequence[str], available: Sequence[int]):
        self.task_names = list(task_names)
        self.available = list(available)
        self.updated: list[set[int]] = [set() for _ in task_names]
        self.seen = [0 for _ in task_names]

    def record_seen(self, items: Iterable[tuple[int, int]]) -> None:
        for task, _ in items:
            self.seen[task] += 1

    def record_update(self, items: Iterable[tuple[int, int]]) -> None:
        for task, index in items:
            self.updated[task].add(index)

    def state_dict(self) -> dict:
        """The counters as plain lists, for a resumable training state."""
        return {"updated": [sorted(u) for u in self.updated], "seen": list(self.seen)}

    def load_state_dict(self, state: dict) -> None:
        self.updated = [set(int(i) for i in u) for u in state["updated"]]
        self.seen = [int(n) for n in state["seen"]]

    def as_record(self) -> dict:
        per_task = {}
        for name, available, updated, seen in zip(
            self.task_names, self.available, self.updated, self.seen, strict=True
        ):
            if available:  # a task without examples (carried, not trained) uses no data
                per_task[name] = _entry(available, len(updated), seen)
        overall = _entry(sum(self.available), sum(len(u) for u in self.updated), sum(self.seen))
        return {"per_task": per_task, "overall": overall, "definition": DEFINITION}


def _entry(available: int, updated: int, seen: int) -> dict:
    return {
        "available": available,
        "updated": updated,
        "seen": seen,
        "ratio": updated / available if available else 0.0,
    }


def merge_usage(records: Sequence[dict]) -> dict:
    """Combine the usage of per-task models (single-task methods) into one record."""
    per_task: dict = {}
    for record in records:
        per_task.update(record["per_task"])
    totals = [sum(e[k] for e in per_task.values()) for k in ("available", "updated", "seen")]
    return {"per_task": per_task, "overall": _entry(*totals), "definition": DEFINITION}


STARVED_FRACTION = 0.1
"""A task is starved below this fraction of its proportional share of updates (or at none)."""


def starved_tasks(
    task_names: Sequence[str], available: Sequence[int], trained: Sequence[int], total: int
) -> dict[str, dict[str, float | int | str]]:
    """Tasks a joint run barely trained: ``{task: {"updates": k, "proportional_share": s,
    "unit": "examples"}}``.

    ``trained`` per task: its examples in batches that received an optimizer step (repeats
    counted), of ``total`` such examples in all. Counting examples, not steps, matters for
    mixed batches: a task with one row in every batch is in every step yet barely trained.
    Its proportional share is ``total * n_i / sum(n)`` (``n_i`` = available training
    examples), what a proportional sampler would give it; a task is starved when it got
    none, or fewer than ``STARVED_FRACTION`` of that share. A run of one task trains it
    on every step, so it is never starved.
    """
    sizes = sum(available)
    if sum(1 for size in available if size) < 2 or sizes == 0 or total == 0:
        return {}
    starved: dict[str, dict[str, float | int | str]] = {}
    for name, size, count in zip(task_names, available, trained, strict=True):
        if not size:
            continue  # carried from a source model, not trained here
        share = total * size / sizes
        if count == 0 or count < STARVED_FRACTION * share:
            starved[name] = {"updates": int(count), "proportional_share": round(share, 4),
                             "unit": "examples"}
    return starved


def run_length_encode(steps: Sequence[int]) -> list[list[int]]:
    """[3, 4, 5, 9] -> [[3, 3], [9, 1]]: compact per-task step lists for the record."""
    runs: list[list[int]] = []
    for step in steps:
        if runs and runs[-1][0] + runs[-1][1] == step:
            runs[-1][1] += 1
        else:
            runs.append([step, 1])
    return runs
