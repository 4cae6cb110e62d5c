"""The pretrained side of a forgetting measurement, computed once, and the trained side.

``ForgettingProbe.prepare`` loads the pretrained backbone, draws the samples and
computes every "before" number; it can run before training, so a bad backbone path,
data root or setting stops a run before any work. ``measure`` runs the trained encoder
over the same batches and returns a JSON-ready dict for the run's record. Probes are
reused within a process (``prepared_probe``): a suite of runs on one backbone pays for
the pretrained side once.
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor, nn
from transformers import AutoConfig, AutoModel, PreTrainedModel
from transformers.utils import logging as hf_logging

from benchmark.data.loading import file_sha256
from benchmark.data.tokenize import tokenizer_fingerprint
from benchmark.errors import BenchmarkError
from benchmark.forgetting import cka, mlm, sts
from benchmark.forgetting.batches import TextBatch, encode_texts, make_batches, run_batches
from benchmark.forgetting.sample_text import SAMPLE_VERSION, SENTENCES
from benchmark.forgetting.settings import ForgettingSettings
from benchmark.forgetting.states import NoHiddenStates, StatesSource, as_hidden_states
from camtl.backbones import resolve_backbone

RESULT_VERSION = 1
COSINE_DIGITS = 5
"""Decimals of the per-pair cosines kept for reports' bootstraps (ties stay rare: 300
pairs' cosines lie ~3e-3 apart on average)."""
LOSS_DIGITS = 4
"""Decimals of the per-sentence masked-LM loss sums kept for reports' bootstraps."""
MEASURED, NOT_APPLICABLE, NOT_MEASURED = "measured", "not applicable", "not measured"
"""Part statuses: measured; the backbone has nothing to measure (no masked-LM head, not
a sentence-embedding model); it could not be measured (no STS-B data, no hidden states)."""


def _status(status: str, reason: str) -> dict[str, Any]:
    return {"status": status, "reason": reason}


@dataclass(frozen=True)
class _Sts:
    sample: sts.StsSample
    batches: list[TextBatch]
    before: np.ndarray


@dataclass(frozen=True)
class _Mlm:
    head: nn.Module
    hidden_size: int
    batches: list[TextBatch]
    counts: np.ndarray
    before: np.ndarray


@dataclass(frozen=True)
class _Cka:
    batches: list[TextBatch]
    before: list[cka.Centred]


class ForgettingProbe:
    """Samples and pretrained-side results for one (backbone, tokenizer, data, settings)."""

    def __init__(self, backbone: str, settings: ForgettingSettings,
                 sts_part: _Sts | dict[str, Any], mlm_part: _Mlm | dict[str, Any],
                 cka_part: _Cka, seconds: tuple[float, float]) -> None:
        self.backbone = backbone
        self.settings = settings
        self._sts, self._mlm, self._cka = sts_part, mlm_part, cka_part
        self.seconds = seconds
        """(wall, CPU) seconds the pretrained side took."""
        self.measured = 0
        """Calls of ``measure`` so far: after the first, the pretrained side is reused."""

    def shared_samples(self) -> dict[str, Any]:
        """The pretrained side per item, the same for every measurement of this probe: with
        each measurement's ``after_cosines`` / ``after_losses`` it lets a report bootstrap
        over STS pairs and sentences without a re-run. ``sts``: the pairs' dev-file
        ``rows``, ``gold`` scores and ``before`` cosines; ``mlm``: each sentence's
        ``masked_tokens`` and ``before`` loss sum. A part that was not measured is absent."""
        out: dict[str, Any] = {}
        if isinstance(self._sts, _Sts):
            sample = self._sts.sample
            out["sts"] = {"rows": [int(r) for r in sample.rows],
                          "gold": [float(g) for g in sample.gold],
                          "before": _rounded(self._sts.before, COSINE_DIGITS)}
        if isinstance(self._mlm, _Mlm):
            out["mlm"] = {"masked_tokens": [int(c) for c in self._mlm.counts],
                          "before": _rounded(self._mlm.before, LOSS_DIGITS)}
        return out

    @classmethod
    def prepare(cls, backbone: str | os.PathLike[str], tokenizer: Any,
                data_root: str | os.PathLike[str] | None,
                settings: ForgettingSettings | None = None) -> ForgettingProbe:
        """Load the pretrained backbone and compute its numbers on the fixed samples."""
        started, cpu = time.perf_counter(), time.process_time()
        settings = settings or ForgettingSettings()
        root = _checked_root(data_root)
        if getattr(tokenizer, "pad_token_id", None) is None:
            raise BenchmarkError("the tokenizer has no padding token; forgetting measurement "
                                 "batches sentences, so give the backbone's own tokenizer")
        path = resolve_backbone(str(backbone))
        model, head, mlm_reason = _load_pretrained(str(backbone), path)
        pretrained = as_hidden_states(model)
        texts = SENTENCES[:settings.sentences]
        rows = encode_texts(tokenizer, texts, settings.max_length)
        cka_batches = make_batches(rows, tokenizer.pad_token_id, settings.batch_size)
        cka_part = _Cka(cka_batches, [cka.Centred.of(layer) for layer
                                      in _token_states(pretrained, cka_batches)])
        mlm_part = _prepare_mlm(pretrained, head, mlm_reason, model, tokenizer, rows, settings)
        sts_part = _prepare_sts(pretrained, path, tokenizer, root, settings)
        return cls(str(backbone), settings, sts_part, mlm_part, cka_part,
                   (time.perf_counter() - started, time.process_time() - cpu))

    def measure(self, trained: Any, *, task_id: int = 0) -> dict[str, Any]:
        """Compare ``trained`` (a model, an encoder or a ``HiddenStates`` callable; see
        ``benchmark.forgetting.states``) with the pretrained numbers. An encoder with a
        ``hidden_states`` method runs as task ``task_id``; the record's ``task_id`` is the
        task the states were computed for (None for encoders that take no task)."""
        started, cpu = time.perf_counter(), time.process_time()
        result: dict[str, Any] = {
            "version": RESULT_VERSION, "status": MEASURED, "backbone": self.backbone,
            "task_id": None, "states": None, "settings": self.settings.as_dict(),
        }
        try:
            source = as_hidden_states(trained, task_id)
        except NoHiddenStates as exc:
            reason = str(exc)
            result.update(status=NOT_MEASURED, reason=reason)
            parts = {name: _status(NOT_MEASURED, reason) for name in ("sts", "mlm", "cka")}
        else:
            result["states"], result["task_id"] = source.kind, source.task_id
            parts = {"sts": self._measure_sts(source), "mlm": self._measure_mlm(source),
                     "cka": self._measure_cka(source)}
            if all(part["status"] != MEASURED for part in parts.values()):
                result["status"] = NOT_MEASURED
                result["reason"] = "; ".join(f"{name}: {part['reason']}"
                                             for name, part in parts.items())
        result.update(parts)
        result["seconds"] = {
            "trained": round(time.perf_counter() - started, 3),
            "trained_cpu": round(time.process_time() - cpu, 3),
            "pretrained": round(self.seconds[0], 3), "pretrained_cpu": round(self.seconds[1], 3),
            "pretrained_reused": self.measured > 0,
        }
        self.measured += 1
        return result

    def _measure_sts(self, source: StatesSource) -> dict[str, Any]:
        if not isinstance(self._sts, _Sts):
            return dict(self._sts)
        part = self._sts
        try:
            after = _sts_cosines(source, part.sample, part.batches)
        except NoHiddenStates as exc:
            return _status(NOT_MEASURED, str(exc))
        if np.ptp(after) == 0:
            return _status(NOT_MEASURED, "the trained encoder gives every pair the same "
                                         "cosine (it has collapsed): Spearman's correlation "
                                         "is undefined")
        s = self.settings
        return {"status": MEASURED, **sts.compare_sts(part.sample, part.before, after,
                                                      n_resamples=s.n_resamples, level=s.level,
                                                      seed=s.seed),
                "n_pairs": len(part.sample.gold), "n_available": part.sample.available,
                "source": part.sample.source, "after_cosines": after.tolist()}

    def _measure_mlm(self, source: StatesSource) -> dict[str, Any]:
        if not isinstance(self._mlm, _Mlm):
            return dict(self._mlm)
        part = self._mlm
        try:
            parts = run_batches(source, part.batches,
                                lambda b, states: _head_losses(part, b, states))
        except NoHiddenStates as exc:
            return _status(NOT_MEASURED, str(exc))
        after, _ = mlm.losses_in_sample_order(part.batches, parts, len(part.counts))
        s = self.settings
        return {"status": MEASURED, **mlm.compare_mlm(part.counts, part.before, after,
                                                      n_resamples=s.n_resamples, level=s.level,
                                                      seed=s.seed),
                "n_sentences": len(part.counts), "n_masked_tokens": int(part.counts.sum()),
                "sample_version": SAMPLE_VERSION, "after_losses": _rounded(after, LOSS_DIGITS)}

    def _measure_cka(self, source: StatesSource) -> dict[str, Any]:
        part = self._cka
        try:
            after = _token_states(source, part.batches)
        except NoHiddenStates as exc:
            return _status(NOT_MEASURED, str(exc))
        if len(after) != len(part.before):
            return _status(NOT_MEASURED, f"the trained encoder gives {len(after)} hidden "
                                         f"states, the pretrained one {len(part.before)}: "
                                         "layers cannot be paired")
        values = cka.per_layer_cka(part.before, after)
        return {"status": MEASURED,
                "per_layer": [v if math.isfinite(v) else None for v in values],
                "layers": ["embeddings"] + [f"layer {i}" for i in range(1, len(values))],
                "n_sentences": sum(len(b.rows) for b in part.batches),
                "n_tokens": int(part.before[0].states.shape[0]),
                "sample_version": SAMPLE_VERSION}


def _rounded(values: np.ndarray, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values]


def _checked_root(data_root: str | os.PathLike[str] | None) -> Path | None:
    if data_root is None:
        return None
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise BenchmarkError(f"forgetting data root {root} is not a folder; give the data "
                             "folder of the run (the one holding glue_data/)")
    return root


def _load_pretrained(name: str, path: str
                     ) -> tuple[PreTrainedModel, nn.Module | None, str | None]:
    """The pretrained encoder, its masked-LM head (or why none), quietly loaded on CPU."""
    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized" notices are handled, not shown
    try:
        try:
            AutoConfig.from_pretrained(path)
        except (OSError, ValueError) as exc:
            raise BenchmarkError(f"cannot load backbone {name!r} for the forgetting "
                                 f"measurement: {exc}. Give the run's backbone (a local "
                                 "checkpoint folder or an embedded name)") from exc
        masked_lm, head, reason = mlm.load_masked_lm(path)
        if head is not None and masked_lm is not None:
            return masked_lm.base_model.eval(), head, None
        return AutoModel.from_pretrained(path).eval(), None, reason
    finally:
        hf_logging.set_verbosity(previous)


def _token_states(source: StatesSource, batches: list[TextBatch]) -> list[Tensor]:
    return cka.stack_layers(run_batches(source, batches, cka.real_token_states))


def _sts_cosines(source: StatesSource, sample: sts.StsSample,
                 batches: list[TextBatch]) -> np.ndarray:
    """The pairs' cosines as the record stores them (rounded): the correlations are computed
    from these, so a reader recomputing them from the record gets the same numbers."""
    pooled = run_batches(source, batches, sts.mean_pooled)
    cosines = sts.pair_cosines(sample, sts.in_sample_order(batches, pooled, len(sample.texts)))
    return np.array(_rounded(cosines, COSINE_DIGITS))


def _head_losses(part: _Mlm, batch: TextBatch, states: list[Tensor]
                 ) -> tuple[np.ndarray, np.ndarray]:
    if states[-1].shape[-1] != part.hidden_size:
        raise NoHiddenStates(f"top-layer states of size {states[-1].shape[-1]} do not fit the "
                             f"pretrained masked-LM head (size {part.hidden_size})")
    return mlm.sentence_losses(part.head, batch, states)


def _prepare_mlm(pretrained: StatesSource, head: nn.Module | None, reason: str | None,
                 model: PreTrainedModel, tokenizer: Any, rows: list[dict[str, Any]],
                 settings: ForgettingSettings) -> _Mlm | dict[str, Any]:
    if head is None:
        return _status(NOT_APPLICABLE, reason or "no masked-LM head")
    if tokenizer.mask_token_id is None:
        return _status(NOT_APPLICABLE, "the tokenizer has no mask token")
    masked = mlm.masked_rows(rows, tokenizer.mask_token_id, settings.mask_rate, settings.seed)
    batches = make_batches(masked, tokenizer.pad_token_id, settings.batch_size)
    part = _Mlm(head, model.config.hidden_size, batches, np.zeros(0), np.zeros(0))
    parts = run_batches(pretrained, batches, lambda b, states: _head_losses(part, b, states))
    before, counts = mlm.losses_in_sample_order(batches, parts, len(rows))
    return _Mlm(head, model.config.hidden_size, batches, counts, before)


def _prepare_sts(pretrained: StatesSource, path: str, tokenizer: Any, root: Path | None,
                 settings: ForgettingSettings) -> _Sts | dict[str, Any]:
    reason = sts.mean_pooling_reason(path)
    if reason is not None:
        return _status(NOT_APPLICABLE, reason)
    try:
        sample = sts.load_sts_sample(root, settings.sts_pairs, settings.seed)
    except sts.NoStsData as exc:
        return _status(NOT_MEASURED, str(exc))
    rows = encode_texts(tokenizer, sample.texts, settings.max_length)
    batches = make_batches(rows, tokenizer.pad_token_id, settings.batch_size)
    return _Sts(sample, batches, _sts_cosines(pretrained, sample, batches))


_PREPARED: OrderedDict[tuple, ForgettingProbe] = OrderedDict()
_KEEP = 4


def _weights_stamp(path: str) -> tuple:
    folder = Path(path)
    if not folder.is_dir():
        return (path,)
    files = sorted(p for p in folder.iterdir()
                   if p.suffix in (".safetensors", ".bin") and p.is_file())
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def prepared_probe(backbone: str | os.PathLike[str], tokenizer: Any,
                   data_root: str | os.PathLike[str] | None,
                   settings: ForgettingSettings | None = None) -> ForgettingProbe:
    """``ForgettingProbe.prepare``, reused while backbone weights, tokenizer, STS-B file
    and settings are unchanged (the last few probes are kept)."""
    settings = settings or ForgettingSettings()
    path = resolve_backbone(str(backbone))
    root = _checked_root(data_root)
    sts_file = sts.dev_file(root)
    key = (str(backbone), path, _weights_stamp(path), tokenizer_fingerprint(tokenizer),
           str(root), file_sha256(sts_file) if sts_file and sts_file.is_file() else None,
           settings)
    if key in _PREPARED:
        _PREPARED.move_to_end(key)
        return _PREPARED[key]
    probe = ForgettingProbe.prepare(backbone, tokenizer, root, settings)
    _PREPARED[key] = probe
    while len(_PREPARED) > _KEEP:
        _PREPARED.popitem(last=False)
    return probe
