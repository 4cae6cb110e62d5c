"""Forgetting numbers of records, on the full samples and on paired bootstrap resamples.

Two noise sources make a measured drop differ from the method's true one: the training
seeds and the items it is measured on (STS-B pairs, masked-LM sentences). Each resample
draws both, hierarchically: the seeds of a configuration with replacement, and one row
of item indices shared by every record of a scale, pretrained side included. Sharing the
items pairs every comparison (hard pairs cancel); seeds are paired too where two
configurations have the same seed set (the same seed draws), as in
``benchmark.stats.bootstrap``. Records keep the per-item values for this (their
``forgetting.samples`` and each entry's ``after_cosines`` / ``after_losses``), so no run
is repeated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmark.stats.metrics import Correlation

MEASURED = "measured"
_SPEARMAN = Correlation("spearman")


@dataclass(frozen=True)
class Sample:
    """The items of one measurement kind, as every record of a scale must share them."""

    kind: str
    """``sts`` or ``mlm``."""
    key: str
    """A hash of the items and the pretrained values: records with equal keys pair."""
    reference: np.ndarray
    """STS: gold scores; MLM: masked tokens per sentence."""
    before: np.ndarray
    """STS: pretrained cosines; MLM: pretrained loss sums per sentence."""

    @property
    def size(self) -> int:
        return len(self.before)


@dataclass(frozen=True)
class RecordValues:
    """One record's trained side for one kind: the after values of each measured entry."""

    run_id: str
    seed: int
    sample: Sample
    afters: tuple[np.ndarray, ...]


def _key(kind: str, *arrays: Sequence[Any]) -> str:
    text = json.dumps([kind, *[list(a) for a in arrays]], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_values(record: Mapping[str, Any], kind: str) -> RecordValues | None:
    """The record's values for ``kind`` (``sts``/``mlm``), None where none was measured."""
    field = record.get("forgetting")
    if not field or field.get("status") != MEASURED:
        return None
    shared = (field.get("samples") or {}).get(kind)
    item = "after_cosines" if kind == "sts" else "after_losses"
    afters = tuple(np.asarray(e[kind][item], dtype=float) for e in field["entries"]
                   if e["status"] == MEASURED and e[kind]["status"] == MEASURED)
    if shared is None or not afters:
        return None
    if kind == "sts":
        sample = Sample(kind, _key(kind, shared["rows"], shared["gold"], shared["before"]),
                        np.asarray(shared["gold"], dtype=float),
                        np.asarray(shared["before"], dtype=float))
    else:
        sample = Sample(kind, _key(kind, shared["masked_tokens"], shared["before"]),
                        np.asarray(shared["masked_tokens"], dtype=float),
                        np.asarray(shared["before"], dtype=float))
    return RecordValues(record["run_id"], int(record["seed"]), sample, afters)


def statistic(sample: Sample, values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """STS: Spearman correlation with gold; MLM: loss per masked token; per index row."""
    if sample.kind == "sts":
        return _SPEARMAN.resampled(values, sample.reference, idx)
    tokens = sample.reference[idx].sum(axis=1)
    return values[idx].sum(axis=1) / np.where(tokens > 0, tokens, 1)


def whole(n: int) -> np.ndarray:
    """The index row of the full sample."""
    return np.arange(n)[None, :]


@dataclass(frozen=True)
class Drawn:
    """A figure on the full samples and on each resample."""

    full: float
    draws: np.ndarray


def pretrained(sample: Sample, idx: np.ndarray) -> Drawn:
    """The pretrained encoder's figure (its "before")."""
    return Drawn(float(statistic(sample, sample.before, whole(sample.size))[0]),
                 statistic(sample, sample.before, idx))


def trained(values: RecordValues, idx: np.ndarray) -> Drawn:
    """A record's "after": the mean over its measured entries (per-task models, tasks)."""
    n = values.sample.size
    full = np.mean([statistic(values.sample, a, whole(n))[0] for a in values.afters])
    draws = np.mean([statistic(values.sample, a, idx) for a in values.afters], axis=0)
    return Drawn(float(full), draws)


def seed_draws(seeds: Sequence[int], n_resamples: int, seed: int) -> np.ndarray:
    """``(n_resamples, k)`` positions into ``seeds``: the same for the same seed set, so
    configurations run on the same seeds are paired."""
    order = sorted(seeds)
    rng = np.random.default_rng([seed, len(order), *[int(s) % 2**32 for s in order]])
    drawn = rng.integers(len(order), size=(n_resamples, len(order)))
    position = np.array([order.index(s) for s in seeds])
    return np.argsort(position)[drawn]


def seed_mean(records: Sequence[RecordValues], idx: np.ndarray, seed: int) -> Drawn:
    """A configuration's after figure: mean over its seeds, seeds resampled hierarchically."""
    per_record = [trained(r, idx) for r in records]
    n_resamples = idx.shape[0]
    stacked = np.stack([d.draws for d in per_record])  # (k, B)
    chosen = seed_draws([r.seed for r in records], n_resamples, seed)  # (B, k)
    draws = stacked[chosen.T, np.arange(n_resamples)].mean(axis=0)
    return Drawn(float(np.mean([d.full for d in per_record])), draws)


def item_draws(size: int, n_resamples: int, seed: int) -> np.ndarray:
    """``(n_resamples, size)`` item indices, shared by every record of a scale."""
    return np.random.default_rng(seed).integers(size, size=(n_resamples, size))
