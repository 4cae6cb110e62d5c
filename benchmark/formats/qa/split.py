"""A seeded split of QA examples by passage, for machines that only hold a dev file.

No MRQA training file is stored locally, so a span task trains on part of a dev file and
is evaluated on the rest. Splitting by question would put the same passage in both parts
and flatter the score; here every passage (``context_id``: equal texts count as one)
lands wholly on one side, and ``ContextSplit.record()`` says what was done.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.formats.qa.reader import QaExample


@dataclass(frozen=True)
class ContextSplit:
    """The two parts of a context-disjoint split, each in the file's order."""

    train: list[QaExample]
    eval: list[QaExample]
    fraction: float
    seed: int

    def record(self) -> dict[str, Any]:
        """What a result record should say about the split."""
        return {
            "kind": "split by context of one file",
            "train_fraction": self.fraction,
            "seed": self.seed,
            "train_contexts": len({e.context_id for e in self.train}),
            "eval_contexts": len({e.context_id for e in self.eval}),
            "train_questions": len(self.train),
            "eval_questions": len(self.eval),
        }


def split_by_context(examples: Sequence[QaExample], fraction: float, seed: int) -> ContextSplit:
    """Put ``round(fraction * passages)`` seeded-random passages in ``train``, the rest in
    ``eval`` (each part keeps at least one passage)."""
    if not 0.0 < fraction < 1.0:
        raise BenchmarkError(f"train fraction {fraction} of a context split must lie strictly "
                             "between 0 and 1 (e.g. 0.5)")
    passages = list(dict.fromkeys(example.context_id for example in examples))
    if len(passages) < 2:
        raise BenchmarkError(f"a context split needs at least 2 distinct passages, found "
                             f"{len(passages)}; use a larger file")
    random.Random(seed).shuffle(passages)
    n_train = min(max(round(fraction * len(passages)), 1), len(passages) - 1)
    train_ids = set(passages[:n_train])
    train = [e for e in examples if e.context_id in train_ids]
    held_out = [e for e in examples if e.context_id not in train_ids]
    return ContextSplit(train, held_out, fraction, seed)
