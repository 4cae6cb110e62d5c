"""Zero-shot STS-B: the use a sentence-embedding backbone was trained for.

A seeded sample of STS-B dev pairs; each sentence is the mean of the top layer's token
states over the attention mask, L2-normalised (what sentence-transformers' mean-pooling
models do); the score is the Spearman correlation of the pairs' cosine similarities
with the gold similarity. Measured only for backbones that declare mean pooling in a
sentence-transformers ``1_Pooling/config.json``: for any other backbone a zero-shot
STS score measures nothing it was built for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.stats import rankdata, spearmanr
from torch import Tensor
from transformers.utils import cached_file

from benchmark.data.loading import load_split, local_file
from benchmark.forgetting.batches import TextBatch
from benchmark.forgetting.paired import paired_interval
from benchmark.tasks.registry import get_task

STS_TASK = "stsb"
POOLING_FILE = "1_Pooling/config.json"


class NoStsData(Exception):
    """The STS-B dev file is not under the data root; the message says where it was sought."""


@dataclass(frozen=True)
class StsSample:
    """Pairs as indices into ``texts`` (each distinct sentence once) and gold scores."""

    texts: tuple[str, ...]
    first: np.ndarray
    second: np.ndarray
    gold: np.ndarray
    source: str
    available: int
    """Pairs in the dev file; the sample holds ``min(available, wanted)`` of them."""
    rows: np.ndarray
    """Each pair's row in the dev file (0-based, in file order): which pairs were drawn."""


def mean_pooling_reason(backbone: str) -> str | None:
    """None if the backbone is a mean-pooling sentence-embedding model, else why not."""
    try:
        found = cached_file(backbone, POOLING_FILE, _raise_exceptions_for_missing_entries=False,
                            _raise_exceptions_for_connection_errors=False)
    except OSError:
        found = None
    if found is None:
        return (f"not a sentence-embedding backbone: {backbone} has no {POOLING_FILE} "
                "(sentence-transformers mean pooling)")
    try:
        pooling = json.loads(Path(found).read_text())
    except (OSError, ValueError) as exc:
        return f"{found} cannot be read as JSON ({exc})"
    if not pooling.get("pooling_mode_mean_tokens"):
        return f"the backbone's sentence embedding is not mean pooling ({found})"
    return None


def dev_file(data_root: Path | None) -> Path | None:
    """Where the STS-B dev file lies under ``data_root`` (None without a data root)."""
    return local_file(get_task(STS_TASK), "dev", data_root)


def load_sts_sample(data_root: Path | None, pairs: int, seed: int) -> StsSample:
    """``pairs`` STS-B dev pairs drawn without replacement with ``seed``, in file order."""
    task = get_task(STS_TASK)
    path = dev_file(data_root)
    if path is None or not path.is_file():
        where = path if path is not None else "<no data root>/glue_data/STS-B/dev.tsv"
        raise NoStsData(f"no STS-B dev file at {where}; give the data root holding "
                        "glue_data/STS-B/dev.tsv")
    examples = load_split(task, "dev", data_root, allow_hub=False)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(examples), size=min(pairs, len(examples)), replace=False))
    texts: dict[str, int] = {}
    first, second, gold = [], [], []
    for index in chosen:
        example = examples[int(index)]
        assert example.texts is not None and example.label is not None
        a, b = example.texts
        first.append(texts.setdefault(a, len(texts)))
        second.append(texts.setdefault(b, len(texts)))
        gold.append(float(example.label))
    return StsSample(tuple(texts), np.array(first), np.array(second), np.array(gold),
                     str(path), len(examples), chosen)


def mean_pooled(batch: TextBatch, states: list[Tensor]) -> Tensor:
    """L2-normalised mean of the top layer over real tokens: ``(B, h)``."""
    mask = batch.attention_mask.unsqueeze(-1).float()
    pooled = (states[-1] * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
    return torch.nn.functional.normalize(pooled, dim=-1)


def in_sample_order(batches: Sequence[TextBatch], pooled: Sequence[Tensor], n: int) -> Tensor:
    """Reassemble per-batch embeddings into sample order: ``(n, h)``."""
    out = torch.empty(n, pooled[0].shape[1])
    for batch, vectors in zip(batches, pooled, strict=True):
        out[list(batch.rows)] = vectors
    return out


def pair_cosines(sample: StsSample, embeddings: Tensor) -> np.ndarray:
    """Cosine similarity of every pair (the embeddings are unit length)."""
    first = embeddings[torch.as_tensor(sample.first)].double()
    second = embeddings[torch.as_tensor(sample.second)].double()
    return (first * second).sum(dim=1).numpy()


def _row_spearman(values: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``values`` with the same row of ``gold``."""
    a = rankdata(values, axis=1)
    b = rankdata(gold, axis=1)
    a -= a.mean(axis=1, keepdims=True)
    b -= b.mean(axis=1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis=1) / denominator


def compare_sts(sample: StsSample, before: np.ndarray, after: np.ndarray, *,
                n_resamples: int, level: float, seed: int) -> dict:
    """Spearman before and after, their difference and its paired bootstrap interval."""
    rho_before = float(spearmanr(before, sample.gold).statistic)
    rho_after = float(spearmanr(after, sample.gold).statistic)

    def delta(indices: np.ndarray) -> np.ndarray:
        gold = sample.gold[indices]
        return _row_spearman(after[indices], gold) - _row_spearman(before[indices], gold)

    interval = paired_interval(rho_after - rho_before, delta, len(sample.gold),
                               n_resamples=n_resamples, level=level, seed=seed)
    return {"before": rho_before, "after": rho_after, "delta": rho_after - rho_before,
            "interval": interval.as_dict()}
