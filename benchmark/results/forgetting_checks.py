"""Whether a record's ``forgetting`` field holds numbers a measurement could have given.

The schema fixes the types; this checks what types cannot: correlations in [-1, 1], CKA
in [0, 1], losses not negative, each delta equal to after - before, per-item lists as long
as the sample, entries naming this run's tasks, and the STS Spearman correlations and
masked-LM losses recomputable from the per-item values the report bootstraps over. A
record edited by hand after the run (a friendlier "after") fails here, by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import spearmanr

DELTA_TOLERANCE = 1e-9
SPEARMAN_TOLERANCE = 2e-3
"""The stored cosines are rounded (5 decimals): recomputed correlations differ by less."""
LOSS_TOLERANCE = 1e-3
"""Relative: stored loss sums are rounded to 4 decimals."""
CKA_TOLERANCE = 1e-6


def _range_problem(where: str, value: float, low: float, high: float, what: str) -> list[str]:
    if low <= value <= high:
        return []
    return [f"{where}: {value:g} is outside [{low:g}, {high:g}], the range of {what}"]


def _compared_problems(where: str, part: Mapping[str, Any], low: float, high: float,
                       what: str) -> list[str]:
    problems = [*_range_problem(f"{where}.before", part["before"], low, high, what),
                *_range_problem(f"{where}.after", part["after"], low, high, what)]
    if abs(part["delta"] - (part["after"] - part["before"])) > DELTA_TOLERANCE:
        problems.append(f"{where}.delta: {part['delta']:g} is not after - before "
                        f"({part['after'] - part['before']:g})")
    interval = part["interval"]
    if interval["low"] > interval["high"]:
        problems.append(f"{where}.interval: low {interval['low']:g} is above high "
                        f"{interval['high']:g}")
    return problems


def _length_problem(where: str, values: Sequence[Any], expected: int, what: str) -> list[str]:
    if len(values) == expected:
        return []
    return [f"{where}: {len(values)} values for {expected} {what}"]


def _sts_problems(where: str, part: Mapping[str, Any], sample: Mapping[str, Any] | None
                  ) -> list[str]:
    problems = _compared_problems(where, part, -1.0, 1.0, "a Spearman correlation")
    if sample is None:
        return [*problems, f"{where}: measured, but forgetting.samples.sts (the pairs' gold "
                           "scores and pretrained cosines) is missing"]
    n = part["n_pairs"]
    problems += _length_problem(f"{where}.after_cosines", part["after_cosines"], n, "pairs")
    for key in ("rows", "gold", "before"):
        problems += _length_problem(f"forgetting.samples.sts.{key}", sample[key], n, "pairs")
    if problems:
        return problems
    after = np.asarray(part["after_cosines"], dtype=float)
    if np.abs(after).max(initial=0.0) > 1 + 1e-5:
        problems.append(f"{where}.after_cosines: a cosine outside [-1, 1]")
    gold = np.asarray(sample["gold"], dtype=float)
    for key, values in (("before", sample["before"]), ("after", after)):
        recomputed = float(spearmanr(values, gold).statistic)
        if not abs(recomputed - part[key]) <= SPEARMAN_TOLERANCE:
            problems.append(f"{where}.{key}: {part[key]:.4f} is not the Spearman correlation of "
                            f"the stored cosines with the gold scores ({recomputed:.4f})")
    return problems


def _mlm_problems(where: str, part: Mapping[str, Any], sample: Mapping[str, Any] | None
                  ) -> list[str]:
    problems = _compared_problems(where, part, 0.0, float("inf"), "a cross-entropy")
    if sample is None:
        return [*problems, f"{where}: measured, but forgetting.samples.mlm (the sentences' "
                           "masked tokens and pretrained losses) is missing"]
    n = part["n_sentences"]
    problems += _length_problem(f"{where}.after_losses", part["after_losses"], n, "sentences")
    for key in ("masked_tokens", "before"):
        problems += _length_problem(f"forgetting.samples.mlm.{key}", sample[key], n,
                                    "sentences")
    tokens = float(sum(sample["masked_tokens"]))
    if problems or tokens <= 0:
        return problems or ["forgetting.samples.mlm.masked_tokens: no masked token"]
    for key, values in (("before", sample["before"]), ("after", part["after_losses"])):
        if min(values, default=0.0) < 0:
            problems.append(f"{where}: a negative loss among the stored {key} values")
            continue
        recomputed = sum(values) / tokens
        if not abs(recomputed - part[key]) <= LOSS_TOLERANCE * max(1.0, abs(part[key])):
            problems.append(f"{where}.{key}: {part[key]:.4f} is not the stored losses' mean "
                            f"per masked token ({recomputed:.4f})")
    return problems


def _cka_problems(where: str, part: Mapping[str, Any]) -> list[str]:
    values = part["per_layer"]
    problems = _length_problem(f"{where}.per_layer", values, len(part["layers"]), "layers")
    for index, value in enumerate(values):
        if value is not None:
            problems += _range_problem(f"{where}.per_layer.{index}", value, 0.0,
                                       1.0 + CKA_TOLERANCE, "linear CKA")
    return problems


def _entry_problems(where: str, entry: Mapping[str, Any], tasks: Sequence[str],
                    samples: Mapping[str, Any]) -> list[str]:
    problems = []
    unknown = [t for t in entry["model"].split("+") if t not in tasks]
    if unknown:
        problems.append(f"{where}.model: {entry['model']!r} names {', '.join(unknown)}, not "
                        "tasks of this run")
    if entry["task"] is not None and entry["task"] not in entry["model"].split("+"):
        problems.append(f"{where}.task: {entry['task']!r} is not a task of model "
                        f"{entry['model']!r}")
    if entry["status"] != "measured":
        return problems
    checks = (("sts", lambda p: _sts_problems(f"{where}.sts", p, samples.get("sts"))),
              ("mlm", lambda p: _mlm_problems(f"{where}.mlm", p, samples.get("mlm"))),
              ("cka", lambda p: _cka_problems(f"{where}.cka", p)))
    for name, check in checks:
        if entry[name]["status"] == "measured":
            problems += check(entry[name])
    return problems


def forgetting_problems(record: Mapping[str, Any]) -> list[str]:
    """Every implausible value of ``record["forgetting"]`` (none when the field is absent)."""
    field = record.get("forgetting")
    if field is None:
        return []
    entries = field["entries"]
    measured = any(e["status"] == "measured" for e in entries)
    problems = []
    if (field["status"] == "measured") != measured:
        problems.append(f"forgetting.status: {field['status']!r} but "
                        f"{'an' if measured else 'no'} entry is measured")
    samples = field.get("samples") or {}
    for index, entry in enumerate(entries):
        problems += _entry_problems(f"forgetting.entries.{index}", entry, record["tasks"],
                                    samples)
    return problems
