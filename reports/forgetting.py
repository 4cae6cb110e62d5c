"""The "Forgetting" tables, from records only.

One table per scale (what must be equal for numbers to be compared: suite, backbone and
its fingerprint, budget; ``reports.tables.SCALE_KEYS``), one row per method (and task
set): STS-B zero-shot Spearman before, after and the drop with a 95% interval, the
masked-LM loss before and after where the backbone has the head, and the linear CKA of the
trained encoder with the pretrained one (last layer; mean over layers 1..L). Intervals
resample seeds and STS pairs (or sentences) hierarchically and paired across the scale
(``reports.forgetting_draws``).

The forgetting claim's verdicts are in ``reports.forgetting_claim``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from benchmark.results.frame import ResultSet
from benchmark.stats import DEFAULT_RESAMPLES, Interval
from benchmark.stats.bootstrap import format_score, percentile_interval
from reports.forgetting_draws import (
    MEASURED,
    Drawn,
    RecordValues,
    Sample,
    item_draws,
    pretrained,
    record_values,
    seed_mean,
)
from reports.labels import method_identities, method_label, method_order, task_order
from reports.table_model import Scale
from reports.tables import SCALE_KEYS

LEVEL = 0.95
BOOTSTRAP_SEED = 0
STS_SCALE = 100.0
"""STS Spearman correlations are shown ×100 (points), as the STS-B task score is."""


@dataclass(frozen=True)
class ForgettingRow:
    """One method's forgetting at one scale; numbers are means over its measured seeds."""

    key: str
    label: str
    method: str
    tasks_key: str
    run_ids: tuple[str, ...]
    """Every run of the row, measured or not."""
    seeds: tuple[int, ...]
    """Seeds whose records carry a measured entry."""
    sts_before: float | None = None
    sts_after: float | None = None
    sts_drop: Interval | None = None
    """before − after, ×100, with its 95% interval."""
    mlm_before: float | None = None
    mlm_after: float | None = None
    mlm_increase: Interval | None = None
    """after − before (nats per masked token), with its 95% interval."""
    cka_last: float | None = None
    cka_mean: float | None = None
    seconds: float | None = None
    """Mean seconds a run's measurement took."""
    note: str = ""


@dataclass(frozen=True)
class ForgettingTable:
    """The forgetting rows of one scale, and what their numbers were measured on."""

    slug: str
    scale: Scale
    rows: tuple[ForgettingRow, ...]
    notes: tuple[str, ...] = ()
    n_resamples: int = DEFAULT_RESAMPLES

    @property
    def columns(self) -> tuple[tuple[str, str, str], ...]:
        """``COLUMNS`` less the masked-LM ones when no row measured them (a note says why)."""
        mlm = any(r.mlm_increase is not None for r in self.rows)
        return tuple(c for c in COLUMNS if mlm or not c[0].startswith("mlm"))


@dataclass
class ForgettingAnalysis:
    """One scale's rows, with the resampled figures the verdicts are judged on."""

    table: ForgettingTable
    drops: dict[str, dict[str, Drawn]] = field(default_factory=dict)
    """kind -> row key -> drop (STS, ×100) or increase (MLM) on the full data and draws."""
    flags: dict[str, dict[str, bool]] = field(default_factory=dict)
    """row key -> task -> at its trivial baseline by the records' point scores (the
    fallback where no per-example predictions give intervals)."""


def _mean(values: Sequence[float]) -> float | None:
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.fmean(kept) if kept else None


def _cka(record: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """(last layer, mean over layers 1..L) over the record's measured entries."""
    last, mean = [], []
    for entry in record["forgetting"]["entries"]:
        part = entry.get("cka") or {}
        if entry["status"] != MEASURED or part.get("status") != MEASURED:
            continue
        layers = [v for v in part["per_layer"][1:] if v is not None]
        if part["per_layer"][-1] is not None:
            last.append(part["per_layer"][-1])
        if layers:
            mean.append(statistics.fmean(layers))
    return _mean(last), _mean(mean)


def _why_not(records: Sequence[Mapping[str, Any]]) -> str:
    reasons = []
    for record in records:
        field_ = record.get("forgetting")
        if field_ is None:
            reasons.append(f"no forgetting measurement in the record (schema "
                           f"{record['schema_version']})")
        elif field_["status"] != MEASURED:
            reasons.append(f"{field_['status']}: {field_.get('reason', '')}")
    return "; ".join(dict.fromkeys(reasons))


def _part_reason(records: Any, part: str) -> str:
    """Why no entry measured ``part``, from the entries' reasons (first few, once each)."""
    reasons = [f"{e[part]['status']}: {e[part].get('reason', '')}"
               for r in records for e in (r.get("forgetting") or {}).get("entries", [])
               if isinstance(e.get(part), Mapping) and e[part]["status"] != MEASURED]
    return "; ".join(list(dict.fromkeys(reasons))[:3])


def _point_flags(records: Sequence[Mapping[str, Any]], tasks: Sequence[str]
                 ) -> dict[str, bool]:
    """Task -> mean score not above the mean trivial-predictor score: the records' own
    numbers, for rows without per-example predictions to form intervals from."""
    flags = {}
    for task in tasks:
        scores = [r["main_scores"].get(task) for r in records]
        trivial = [(r.get("trivial_baseline") or {}).get(task, {}).get("score") for r in records]
        score, base = _mean(scores), _mean(trivial)
        if score is not None and base is not None:
            flags[task] = score <= base
    return flags


@dataclass
class _KindDraws:
    """One measurement kind at one scale: the shared sample, its pretrained figure, and per
    row the after figure and the drop (STS, ×100) or increase (MLM)."""

    sample: Sample | None = None
    before: Drawn | None = None
    afters: dict[str, Drawn] = field(default_factory=dict)
    changes: dict[str, Drawn] = field(default_factory=dict)
    other: set[str] = field(default_factory=set)
    """Rows with seeds measured on another sample (left out of the figures)."""


def _kind_draws(kind: str, rows: Mapping[str, list[RecordValues]], n_resamples: int
                ) -> _KindDraws:
    """The figures of every row, on the sample most of the scale's records share."""
    values = [v for vs in rows.values() for v in vs]
    if not values:
        return _KindDraws()
    keys = [v.sample.key for v in values]
    common = max(sorted(set(keys)), key=keys.count)  # ties: the same choice every time
    sample = next(v.sample for v in values if v.sample.key == common)
    idx = item_draws(sample.size, n_resamples, BOOTSTRAP_SEED)
    before = pretrained(sample, idx)
    out = _KindDraws(sample, before)
    for row, found in rows.items():
        mine = [v for v in found if v.sample.key == common]
        if len(mine) < len(found):
            out.other.add(row)
        if not mine:
            continue
        after = seed_mean(mine, idx, BOOTSTRAP_SEED)
        out.afters[row] = after
        if kind == "sts":
            out.changes[row] = Drawn(STS_SCALE * (before.full - after.full),
                                     STS_SCALE * (before.draws - after.draws))
        else:
            out.changes[row] = Drawn(after.full - before.full, after.draws - before.draws)
    return out


def drawn_interval(drawn: Drawn, n_resamples: int) -> Interval:
    """The percentile interval of a resampled figure, at the report's level and seed."""
    return percentile_interval(drawn.full, drawn.draws, level=LEVEL, n_resamples=n_resamples,
                               seed=BOOTSTRAP_SEED)


def _scale(runs: pd.DataFrame, tasks: Sequence[str]) -> Scale:
    first = runs.iloc[0]
    return Scale(first["backbone"], first["backbone_fingerprint"], dict(first["budget"]),
                 tuple(sorted({int(s) for s in runs["seed"]})), str(first["suite"]),
                 tuple(tasks))


def _analyse(slug: str, runs: pd.DataFrame, result: ResultSet, n_resamples: int
             ) -> ForgettingAnalysis | None:
    records_of = {rid: result.records[rid] for rid in runs["run_id"]}
    if not any("forgetting" in r for r in records_of.values()):
        return None  # records written before forgetting was measured: no table
    identities = method_identities(runs)
    tasks = task_order(t for ts in runs["tasks"] for t in ts)
    several = runs.groupby("variant")["tasks_key"].nunique().gt(1)
    groups: dict[str, tuple[str, str, str, list[dict[str, Any]]]] = {}
    for variant in method_order(runs["variant"], identities):
        mine = runs[runs["variant"] == variant]
        for tasks_key, group in mine.groupby("tasks_key", sort=True):
            key = f"{variant} [{tasks_key}]" if several.get(variant, False) else variant
            label = method_label(variant, identities)
            if key != variant:
                label += f" ({group['n_tasks'].iloc[0]} tasks)"
            records = [records_of[rid] for rid in group.sort_values("seed")["run_id"]]
            groups[key] = (label, str(group["method"].iloc[0]), tasks_key, records)
    kinds: dict[str, _KindDraws] = {}
    for kind in ("sts", "mlm"):
        by_row = {key: [v for r in g[3] if (v := record_values(r, kind)) is not None]
                  for key, g in groups.items()}
        kinds[kind] = _kind_draws(kind, by_row, n_resamples)
    sts, mlm = kinds["sts"], kinds["mlm"]
    rows = []
    for key, (label, method, tasks_key, records) in groups.items():
        measured = [r for r in records if (r.get("forgetting") or {}).get("status") == MEASURED]
        ckas = [_cka(r) for r in measured]
        note = "" if measured else _why_not(records)
        if measured and len(measured) < len(records):
            note = f"{len(measured)} of {len(records)} seeds measured ({_why_not(records)})"
        if key in sts.other | mlm.other:
            note = (note + "; " if note else "") + "some seeds measured on another sample, left out"
        rows.append(ForgettingRow(
            key=key, label=label, method=method, tasks_key=tasks_key,
            run_ids=tuple(r["run_id"] for r in records),
            seeds=tuple(int(r["seed"]) for r in measured),
            sts_before=_full(sts.before, STS_SCALE) if key in sts.afters else None,
            sts_after=_full(sts.afters.get(key), STS_SCALE),
            sts_drop=_change(sts, key, n_resamples),
            mlm_before=_full(mlm.before) if key in mlm.afters else None,
            mlm_after=_full(mlm.afters.get(key)),
            mlm_increase=_change(mlm, key, n_resamples),
            cka_last=_mean([c[0] for c in ckas]), cka_mean=_mean([c[1] for c in ckas]),
            seconds=_mean([r["forgetting"]["seconds"]["total"] for r in measured]),
            note=note,
        ))
    notes = _sample_notes(sts.sample, mlm.sample, n_resamples)
    if mlm.sample is None:
        notes.append("MLM: " + (_part_reason(records_of.values(), "mlm") or "not measured"))
    table = ForgettingTable(slug, _scale(runs, tasks), tuple(rows), tuple(notes), n_resamples)
    analysis = ForgettingAnalysis(table, {"sts": sts.changes, "mlm": mlm.changes})
    analysis.flags = {key: _point_flags(g[3], [t for t in tasks if t in g[2].split(",")])
                      for key, g in groups.items()}
    return analysis


def _change(kind: _KindDraws, key: str, n_resamples: int) -> Interval | None:
    """A row's change (STS drop, MLM increase) with its interval, if it was measured."""
    return drawn_interval(kind.changes[key], n_resamples) if key in kind.changes else None


def _full(drawn: Drawn | None, scale: float = 1.0) -> float | None:
    return None if drawn is None else scale * drawn.full


def _sample_notes(sts: Sample | None, mlm: Sample | None, n_resamples: int) -> list[str]:
    notes = []
    if sts is not None:
        notes.append(f"STS: zero-shot STS-B dev Spearman ×100 of mean-pooled, normalised "
                     f"top-layer embeddings on {sts.size} pairs; drop = before − after with a "
                     f"95% interval from {n_resamples} resamples of seeds and pairs")
    if mlm is not None:
        notes.append(f"MLM: the pretrained head's loss per masked token on {mlm.size} "
                     "sentences; Δ = after − before, resampling seeds and sentences")
    notes.append("CKA: linear CKA of each layer's token states with the pretrained encoder's "
                 "on the shipped sentence sample; last layer and mean over layers 1..L. "
                 "Per-task models and task-conditioned encoders (one entry per task): the "
                 "mean over their entries")
    return notes


def forgetting_analyses(result: ResultSet, *, n_resamples: int = DEFAULT_RESAMPLES
                        ) -> list[ForgettingAnalysis]:
    """Every scale with a record that carries a ``forgetting`` field, analysed once."""
    frame = result.frame
    if frame.empty:
        return []
    found = []
    groups = frame.groupby(SCALE_KEYS, sort=False, dropna=False)
    for i, (_, runs) in enumerate(sorted(groups, key=lambda g: (-len(g[1]), str(g[0])))):
        analysis = _analyse(f"forgetting-{i}", runs, result, n_resamples)
        if analysis is not None:
            found.append(analysis)
    return found


def forgetting_tables(result: ResultSet, *, n_resamples: int = DEFAULT_RESAMPLES
                      ) -> list[ForgettingTable]:
    """The report's "Forgetting" tables, one per scale that measured forgetting."""
    return [a.table for a in forgetting_analyses(result, n_resamples=n_resamples)]


COLUMNS = (
    ("sts_before", "STS before", "zero-shot STS-B dev Spearman ×100 of the pretrained backbone"),
    ("sts_after", "STS after", "the same with the trained encoder (mean over seeds and entries)"),
    ("sts_drop", "STS drop [95%]", "before − after, points; interval over seeds and pairs"),
    ("mlm_before", "MLM before", "masked-LM loss per masked token (nats), pretrained"),
    ("mlm_after", "MLM after", "the same through the trained encoder"),
    ("mlm_increase", "MLM Δ [95%]", "after − before, nats; interval over seeds and sentences"),
    ("cka_last", "CKA last", "linear CKA of the last layer with the pretrained encoder's"),
    ("cka_mean", "CKA mean", "mean linear CKA over layers 1..L"),
    ("seconds", "Seconds", "what the measurement took per run"),
)
"""(attribute, header, tooltip) of the table's columns."""


def cell_text(row: ForgettingRow, column: str) -> str:
    """A cell as the report prints it; "—" where nothing was measured."""
    value = getattr(row, column)
    if value is None:
        return "—"
    if isinstance(value, Interval):
        return format_score(value, 1 if column == "sts_drop" else 3)
    digits = {"sts_before": 1, "sts_after": 1, "cka_last": 3, "cka_mean": 3, "seconds": 1}
    return f"{value:.{digits.get(column, 3)}f}".replace("-", "\u2212")
