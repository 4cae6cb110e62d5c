"""Sample sizes and resampling settings of a forgetting measurement, checked up front.

Built before training so that a bad setting stops the run before any work; the settings
are recorded with every measurement, so a number always says what it was measured on.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.forgetting.sample_text import SENTENCES
from benchmark.stats.bootstrap import MIN_RESAMPLES


@dataclass(frozen=True)
class ForgettingSettings:
    """Defaults cost a few seconds per measurement on one CPU thread (docs/results.md)."""

    sts_pairs: int = 300
    """STS-B dev pairs drawn with ``seed`` (all 1,500 when larger); the measurement's
    main cost (~1.5 s of one CPU thread per 100 pairs with MiniLM)."""
    sentences: int = len(SENTENCES)
    """Sentences of the shipped sample for the masked-LM loss and CKA (its first n)."""
    mask_rate: float = 0.15
    max_length: int = 128
    batch_size: int = 64
    n_resamples: int = 1000
    level: float = 0.95
    seed: int = 0
    """Seeds the STS pair draw, the masking and the bootstrap."""

    def __post_init__(self) -> None:
        _whole("sts_pairs", self.sts_pairs, 10, "e.g. 500")
        _whole("sentences", self.sentences, 10, f"at most {len(SENTENCES)}, the sample's size")
        if self.sentences > len(SENTENCES):
            raise BenchmarkError(f"forgetting sentences={self.sentences}: the shipped sample "
                                 f"holds {len(SENTENCES)} sentences; give at most that")
        _whole("max_length", self.max_length, 8, "e.g. 128")
        _whole("batch_size", self.batch_size, 1, "e.g. 64")
        _whole("n_resamples", self.n_resamples, MIN_RESAMPLES, "e.g. 1000")
        _whole("seed", self.seed, 0, "e.g. 0")
        for name, value in (("mask_rate", self.mask_rate), ("level", self.level)):
            if (not isinstance(value, int | float) or isinstance(value, bool)
                    or not math.isfinite(value) or not 0 < value < 1):
                raise BenchmarkError(f"forgetting {name}={value!r} must be a number strictly "
                                     f"between 0 and 1 (defaults: mask_rate 0.15, level 0.95)")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _whole(name: str, value: Any, minimum: int, hint: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise BenchmarkError(f"forgetting {name}={value!r} must be a whole number of at least "
                             f"{minimum} ({hint})")
