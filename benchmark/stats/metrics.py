"""The leaderboards' metrics, computed on many bootstrap resamples at once.

A resample is a row of example indices (drawn with replacement); a ``(B, n)`` index
matrix is B resamples. Accuracy is a mean of per-example values, so a resample's
accuracy is the mean of the drawn values. F1, MCC and the correlations are not: they
are recomputed on each resample, from its confusion counts or its value pairs, with
the same definitions (and the same 0.0 for undefined cases) as
``benchmark.metrics.functions``, which the tests check row by row.

A task whose metrics are formed over groups of examples (MultiRC's questions, AX-g's
pairs) resamples whole groups instead: its index rows index groups, and its metrics,
which its task format supplies (``TaskFormat.resampled_metrics``), add up counts per
group (``benchmark.stats.units``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import stats

from benchmark.errors import BenchmarkError
from benchmark.formats.registry import format_of
from benchmark.tasks.spec import TaskSpec


class Metric(Protocol):
    """A metric on the full evaluation set and on every row of an index matrix."""

    name: str

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float: ...

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """The metric of each resample ``pred[idx[b]], gold[idx[b]]``: shape ``(B,)``."""
        ...


def _whole(n: int) -> np.ndarray:
    return np.arange(n)[None, :]


@dataclass(frozen=True)
class MeanMetric:
    """A metric that is the mean of one value per example (accuracy): the fast path."""

    name: str
    per_example: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.resampled(pred, gold, _whole(len(gold)))[0])

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        values = np.asarray(self.per_example(pred, gold), dtype=np.float64)
        return values[idx].mean(axis=1)


def confusion_counts(pred: np.ndarray, gold: np.ndarray, idx: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per resample, the confusion matrix ``(B, K, K)`` (gold rows, predicted columns)
    over the K labels seen in either array of the full set; also those labels."""
    labels, codes = np.unique(np.concatenate([gold, pred]), return_inverse=True)
    k = len(labels)
    pair = codes[: len(gold)] * k + codes[len(gold):]
    rows = idx.shape[0]
    flat = (pair[idx] + (np.arange(rows) * k * k)[:, None]).ravel()
    counts = np.bincount(flat, minlength=rows * k * k).reshape(rows, k, k)
    return counts.astype(np.float64), labels


def _f1_from_counts(counts: np.ndarray, c: int) -> np.ndarray:
    tp = counts[:, c, c]
    fp = counts[:, :, c].sum(axis=1) - tp
    fn = counts[:, c, :].sum(axis=1) - tp
    denominator = 2 * tp + fp + fn
    return np.where(tp > 0, 2 * tp / np.where(denominator > 0, denominator, 1), 0.0)


@dataclass(frozen=True)
class BinaryF1:
    """F1 of one positive class (MRPC, QQP: class 1), as ``functions.f1_binary``."""

    name: str = "f1"
    positive: int = 1

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.resampled(pred, gold, _whole(len(gold)))[0])

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        counts, labels = confusion_counts(pred, gold, idx)
        where = np.flatnonzero(labels == self.positive)
        if not len(where):
            return np.zeros(idx.shape[0])
        return _f1_from_counts(counts, int(where[0]))


@dataclass(frozen=True)
class MacroF1:
    """Mean per-class F1 over the classes seen in the resample's predictions or gold
    labels (CB), as ``functions.macro_f1``."""

    name: str = "macro_f1"

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.resampled(pred, gold, _whole(len(gold)))[0])

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        counts, labels = confusion_counts(pred, gold, idx)
        per_class = np.stack([_f1_from_counts(counts, c) for c in range(len(labels))], axis=1)
        seen = (counts.sum(axis=1) + counts.sum(axis=2)) > 0
        return (per_class * seen).sum(axis=1) / seen.sum(axis=1)


@dataclass(frozen=True)
class Matthews:
    """Multi-class Matthews correlation (Gorodkin 2004), 0.0 where undefined."""

    name: str = "matthews"

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.resampled(pred, gold, _whole(len(gold)))[0])

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        counts, _ = confusion_counts(pred, gold, idx)
        true_counts = counts.sum(axis=2)
        pred_counts = counts.sum(axis=1)
        n = counts.sum(axis=(1, 2))
        correct = np.trace(counts, axis1=1, axis2=2)
        numerator = correct * n - (pred_counts * true_counts).sum(axis=1)
        denominator = np.sqrt((n * n - (pred_counts ** 2).sum(axis=1))
                              * (n * n - (true_counts ** 2).sum(axis=1)))
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1),
                        0.0)


def _row_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    constant = (x.max(axis=1) == x.min(axis=1)) | (y.max(axis=1) == y.min(axis=1))
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    denominator = np.sqrt((xc * xc).sum(axis=1) * (yc * yc).sum(axis=1))
    r = (xc * yc).sum(axis=1) / np.where(denominator > 0, denominator, 1)
    undefined = constant | (denominator == 0) | (x.shape[1] < 2)
    return np.where(undefined, 0.0, np.clip(r, -1.0, 1.0))


@dataclass(frozen=True)
class Correlation:
    """Pearson or Spearman correlation of predictions with gold values (STS-B),
    0.0 when either side is constant, as ``functions.pearson``/``spearman``."""

    name: str = "pearson"

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.resampled(pred, gold, _whole(len(gold)))[0])

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        x = np.asarray(pred, dtype=np.float64)[idx]
        y = np.asarray(gold, dtype=np.float64)[idx]
        if self.name == "spearman":
            x, y = stats.rankdata(x, axis=1), stats.rankdata(y, axis=1)
        return _row_pearson(x, y)


@dataclass(frozen=True)
class CallableMetric:
    """Any ``metric(pred, gold) -> float``, recomputed resample by resample: correct for
    every metric, but a Python loop; use it for metrics this module does not vectorise."""

    name: str
    function: Callable[[np.ndarray, np.ndarray], float]

    def __call__(self, pred: np.ndarray, gold: np.ndarray) -> float:
        return float(self.function(pred, gold))

    def resampled(self, pred: np.ndarray, gold: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.array([float(self.function(pred[row], gold[row])) for row in idx])


def _correct(pred: np.ndarray, gold: np.ndarray) -> np.ndarray:
    return np.asarray(pred) == np.asarray(gold)


METRICS: dict[str, Metric] = {
    "accuracy": MeanMetric("accuracy", _correct),
    "f1": BinaryF1(),
    "macro_f1": MacroF1(),
    "matthews": Matthews(),
    "pearson": Correlation("pearson"),
    "spearman": Correlation("spearman"),
}
"""The metric names of ``benchmark.metrics.core`` that are functions of (pred, gold) per
example, by the names task declarations use."""

def metric_named(name: str) -> Metric:
    """The vectorised metric a task declaration names (``"matthews"``)."""
    if name not in METRICS:
        raise BenchmarkError(
            f"metric {name!r} has no resampled form (known: {', '.join(METRICS)}); pass a "
            f"benchmark.stats.CallableMetric wrapping your metric(pred, gold) instead")
    return METRICS[name]


@dataclass(frozen=True)
class TaskEval:
    """One task's evaluation examples and how its 0..100 score is formed from them.

    ``gold`` holds the gold label (or value) per example, in the order every method's
    predictions come in. A task scored on several eval splits (MNLI matched and
    mismatched) has them concatenated in ``gold``, with ``split_sizes`` giving each
    split's length: resamples draw within each split, and the score is, as in
    ``benchmark.metrics.main_score``, 100 x the mean over splits and metrics.

    ``groups`` (one id per example) makes whole groups the resampled units: a MultiRC
    question's answer options, an AX-g minimal pair. Index rows then index units (each
    split's units in order of first appearance) and the metrics receive one tuple of
    values per unit (``benchmark.stats.units``).
    """

    gold: np.ndarray
    metrics: tuple[Metric, ...]
    split_sizes: tuple[int, ...] = ()
    groups: np.ndarray | None = None
    _members: tuple[tuple[np.ndarray, ...], ...] = field(default=(), init=False, repr=False)
    _gold_units: tuple[np.ndarray, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        if self.groups is None:
            return
        members = tuple(_unit_members(self.groups[start:end]) for start, end in self.splits)
        object.__setattr__(self, "_members", members)
        object.__setattr__(self, "_gold_units", tuple(
            _pack(self.gold[start:end], m) for (start, end), m in
            zip(self.splits, members, strict=True)))

    @property
    def splits(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of each split in ``gold``."""
        sizes = self.split_sizes or (len(self.gold),)
        ends = np.cumsum(sizes)
        return tuple((int(e - s), int(e)) for s, e in zip(sizes, ends, strict=True))

    @property
    def unit_spans(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of each split's units in an index row."""
        if not self._members:
            return self.splits
        ends = np.cumsum([len(m) for m in self._members])
        return tuple((int(e - len(m)), int(e))
                     for m, e in zip(self._members, ends, strict=True))

    def draw(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """``rows`` resamples of unit indices, each split resampled within itself."""
        blocks = [rng.integers(start, end, size=(rows, end - start), dtype=np.int32)
                  for start, end in self.unit_spans]
        return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)

    def score(self, pred: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """The task score (0..100) on each resample of ``idx``; the full set if None."""
        spans = self.unit_spans
        if idx is None:
            idx = _whole(spans[-1][1])
        parts = []
        for number, ((start, end), (u_start, u_end)) in enumerate(
                zip(self.splits, spans, strict=True)):
            rows = idx[:, u_start:u_end] - u_start if u_start else idx[:, u_start:u_end]
            sub_pred, sub_gold = pred[start:end], self.gold[start:end]
            if self._members:
                sub_pred = _pack(sub_pred, self._members[number])
                sub_gold = self._gold_units[number]
            parts.extend(m.resampled(sub_pred, sub_gold, rows) for m in self.metrics)
        return 100.0 * np.mean(parts, axis=0)


def _unit_members(groups: np.ndarray) -> tuple[np.ndarray, ...]:
    """Example positions of each group, groups in order of first appearance."""
    _, first, codes = np.unique(groups, return_index=True, return_inverse=True)
    by_code = np.argsort(codes, kind="stable")
    members = np.split(by_code, np.cumsum(np.bincount(codes))[:-1])
    return tuple(members[code] for code in np.argsort(first))


def _pack(values: np.ndarray, members: tuple[np.ndarray, ...]) -> np.ndarray:
    """One tuple of values per unit (an object array, so units may differ in size)."""
    packed = np.empty(len(members), dtype=object)
    for i, positions in enumerate(members):
        packed[i] = tuple(values[positions].tolist())
    return packed


def task_eval(task: TaskSpec, gold: Sequence | np.ndarray, split_sizes: Sequence[int] = (),
              groups: Sequence[Any] | np.ndarray | None = None) -> TaskEval:
    """The TaskEval of a registered task: its metrics as its format resamples them
    (``TaskFormat.resampled_metrics``), over whole groups where the format says so."""
    fmt = format_of(task)
    if not fmt.grouped(task):
        groups = None
    elif groups is None or any(g is None for g in groups):
        raise BenchmarkError(
            f"{task.name}: its metrics ({', '.join(task.metrics)}) are formed over groups of "
            f"examples, and no group id was given for every example; pass the groups of its "
            f"per-example predictions file")
    return make_task_eval(gold, fmt.resampled_metrics(task), split_sizes, groups=groups,
                          what=task.name)


def make_task_eval(gold: Sequence | np.ndarray, metrics: Sequence[Metric],
                   split_sizes: Sequence[int] = (), *,
                   groups: Sequence[Any] | np.ndarray | None = None,
                   what: str = "task") -> TaskEval:
    """A checked TaskEval: gold labels present and finite, split sizes that add up, one
    group id per example where groups are given."""
    values = np.asarray(gold)
    if values.ndim != 1 or not len(values):
        raise BenchmarkError(f"{what}: gold labels must be a non-empty 1-D array, got shape "
                             f"{values.shape}; pass one label per evaluation example")
    if values.dtype.kind == "f" and np.isnan(values).any():
        raise BenchmarkError(f"{what}: gold labels hold NaN (unlabelled examples); score a "
                             f"labelled split")
    sizes = tuple(int(s) for s in split_sizes)
    if sizes and (sum(sizes) != len(values) or min(sizes) < 1):
        raise BenchmarkError(f"{what}: split sizes {sizes} do not add up to the {len(values)} "
                             f"gold labels; give one positive size per concatenated split")
    if not metrics:
        raise BenchmarkError(f"{what}: no metrics given; name at least one")
    group_ids = None
    if groups is not None:
        group_ids = np.asarray([str(g) for g in groups])
        if len(group_ids) != len(values):
            raise BenchmarkError(f"{what}: {len(group_ids)} group ids for {len(values)} gold "
                                 f"labels; give one group id per evaluation example")
    return TaskEval(values, tuple(metrics), sizes, group_ids)
