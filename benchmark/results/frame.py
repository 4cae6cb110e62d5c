"""Results folders -> one pandas DataFrame (one row per run), the input of every report.

Reading is forgiving per file and strict per format: a file that is not a valid
record (``benchmark.results.validate.read_record``: schema, verified run id,
plausible numbers) is skipped and listed in ``ResultSet.problems`` (reports show the
list), a kept record with a label (a legacy run id) is listed in ``ResultSet.notes``,
but a record of an unknown schema major version stops the load, because a reader that
does not know the format cannot say what any of its numbers mean.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from benchmark.adaptation.source import CHECKPOINTS
from benchmark.errors import BenchmarkError
from benchmark.results.validate import read_record

SCORE_PREFIX = "score:"
"""Column prefix of per-task main scores (0..100) in the runs frame."""

GROUP_KEYS = ("variant", "suite", "tasks_key", "backbone", "backbone_fingerprint", "budget_key")
"""A configuration is everything but the seed: its runs are the seeds of one cell."""

METHOD_SETTINGS = ("learning_rate",)
"""Budget entries each method tunes for itself (Houlsby adapters train at a higher rate).

They are left out of ``budget_key`` (the scale rows are compared at) and folded
into ``variant`` instead, so a method run at two rates still gives two rows.
"""


@dataclass(frozen=True)
class RecordProblem:
    """A file (or run) left out of the results, and why, for the report's warning box."""

    source: str
    message: str


@dataclass
class ResultSet:
    """The runs frame, the raw records by run id (for curves and manifests) and problems.

    ``problems``: files and runs left out; ``notes``: records kept but labelled.
    """

    frame: pd.DataFrame
    records: dict[str, dict[str, Any]]
    problems: list[RecordProblem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[RecordProblem] = field(default_factory=list)


def _stable_hash(value: Any, length: int = 8) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def train_fraction(record: Mapping[str, Any]) -> float:
    """``budget.train_fraction`` with its documented default of 1.0."""
    return float(record.get("budget", {}).get("train_fraction", 1.0))


DERIVED_BUDGET_KEYS = frozenset({"train_examples", "eval_examples"})
"""Budget entries that report what the settings produced; they do not define a config."""


def normalised_budget(record: Mapping[str, Any]) -> dict[str, Any]:
    """The budget's settings, default fraction filled in, so omitted and 1.0 group together.

    The run's precision and model selection join it: runs that differ in them are
    not seeds of one configuration.
    """
    budget = {k: v for k, v in record.get("budget", {}).items() if k not in DERIVED_BUDGET_KEYS}
    budget["train_fraction"] = train_fraction(record)
    training = record.get("training", {})
    budget["precision"] = training.get("precision")
    budget["model_selection"] = training.get("model_selection")
    if training.get("fidelity", "project") != "project":
        budget["fidelity"] = training["fidelity"]  # reference runs are another configuration
    return budget


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _row(record: Mapping[str, Any], source: str) -> dict[str, Any]:
    params = record["parameters"]
    training = record["training"]
    manifest = record["manifest"]
    budget = normalised_budget(record)
    scale_budget = {k: v for k, v in budget.items() if k not in METHOD_SETTINGS}
    budget_no_fraction = {k: v for k, v in scale_budget.items() if k != "train_fraction"}
    tasks = tuple(record["tasks"])
    row: dict[str, Any] = {
        "run_id": record["run_id"],
        "source": source,
        "method": record["method"],
        "method_label": record.get("method_label"),
        "method_family": record.get("method_family"),
        "options_key": _stable_hash(record.get("method_options", {})),
        "suite": record["suite"],
        "tasks": tasks,
        "tasks_key": ",".join(tasks),
        "task_titles": dict(record.get("task_titles") or {}),
        "n_tasks": len(tasks),
        "seed": int(record["seed"]),
        "backbone": record["backbone"]["name"],
        "backbone_fingerprint": record["backbone"]["fingerprint"],
        "budget": budget,
        "budget_key": _stable_hash(scale_budget),
        "method_settings": json.dumps({k: budget.get(k) for k in METHOD_SETTINGS}),
        "budget_key_no_fraction": _stable_hash(budget_no_fraction),
        "train_fraction": budget["train_fraction"],
        "adapt_from": (record.get("adaptation") or {}).get("source_run"),
        "suite_average": _number(record.get("suite_average")),
        "params_backbone": _number(params["backbone"]),
        "params_total_to_serve": _number(params["total_to_serve"]),
        "params_trainable": _number(params["trainable"]),
        "params_frozen_shared": _number(params["frozen_shared"]),
        "params_trained_per_task": _number(params["trained_per_task"]),
        "params_trained_per_task_ratio": _number(params["trained_per_task_ratio"]),
        "data_ratio": _number(record["data_usage"]["overall"]["ratio"]),
        "steps": _number(training["steps"]),
        "wall_time_s": _number(training["wall_time_s"]),
        "peak_memory_mb": _number(training["peak_memory_mb"]),
        "sampler": str(training["sampler"]),
        "starved_tasks": sorted(training.get("starved_tasks") or {}),
        "precision": str(training["precision"]),
        "git_commit": str(manifest.get("git_commit", "")),
        "created": str(manifest.get("created", "")),
        "schema_version": record["schema_version"],
    }
    for task in tasks:
        row[SCORE_PREFIX + task] = _number(record["main_scores"].get(task))
    return row


def _add_variants(frame: pd.DataFrame) -> pd.DataFrame:
    """A method run with two option sets, samplers or learning rates gets two row names.

    The name is ``method#xxxx`` with a short hash of (options, sampler, rate), used only
    when the method has more than one such combination in the results read. An adapted
    run's row is ``method-from-<source run id's first 8>``.
    """
    combo = [
        _stable_hash(list(parts), 4)
        for parts in zip(frame["options_key"], frame["sampler"], frame["method_settings"],
                         strict=True)
    ]
    frame["variant_key"] = combo
    plain = frame["adapt_from"].isna()
    counts = frame[plain].groupby("method")["variant_key"].nunique()
    ambiguous = set(counts[counts > 1].index)
    frame["variant"] = [
        f"{m}#{c}" if m in ambiguous else m for m, c in zip(frame["method"], combo, strict=True)
    ]
    # an adapted model is its own row, named after the run it started from
    frame.loc[~plain, "variant"] = [
        f"{m}-from-{source[:8]}" for m, source in
        zip(frame.loc[~plain, "method"], frame.loc[~plain, "adapt_from"], strict=True)]
    return frame


def _drop_repeated_seeds(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[RecordProblem]]:
    """Two runs of one configuration and seed would count a seed twice: keep the newest."""
    keys = list(GROUP_KEYS) + ["seed"]
    ordered = frame.sort_values(["created", "run_id"], ascending=[False, True], kind="stable")
    first = ordered.drop_duplicates(keys, keep="first").set_index(keys)["run_id"]
    repeated = ordered[ordered.duplicated(keys, keep="first")]
    problems = [
        RecordProblem(
            row["source"],
            f"run {row['run_id']} repeats seed {row['seed']} of run "
            f"{first.loc[tuple(row[k] for k in keys)]} (same method, tasks, backbone and "
            "budget); the newer run is used",
        )
        for _, row in repeated.iterrows()
    ]
    return frame.drop(index=repeated.index), problems


def build_result_set(
    records: Sequence[Mapping[str, Any]], sources: Sequence[str] | None = None
) -> ResultSet:
    """Frame already-validated records; dedupe run ids and repeated seeds, noting why."""
    sources = list(sources) if sources is not None else [f"record {i}" for i in range(len(records))]
    problems: list[RecordProblem] = []
    kept: dict[str, dict[str, Any]] = {}
    rows = []
    for record, source in zip(records, sources, strict=True):
        run_id = record["run_id"]
        if run_id in kept:
            if kept[run_id] != record:
                problems.append(
                    RecordProblem(source, f"run_id {run_id} already read from another file with "
                                  "different content; this copy is ignored")
                )
            continue
        kept[run_id] = dict(record)
        rows.append(_row(record, source))
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["run_id", "method", "variant", "seed", *GROUP_KEYS[1:]])
        return ResultSet(frame, kept, problems)
    frame = _add_variants(frame)
    frame, repeated = _drop_repeated_seeds(frame)
    kept = {run_id: kept[run_id] for run_id in frame["run_id"]}
    return ResultSet(frame.reset_index(drop=True), kept, problems + repeated)


def _record_files(folder: Path) -> list[Path]:
    """Every ``*.json`` below ``folder`` but in hidden folders (claims, states) and in
    ``checkpoints/`` (a kept model's description is not a record)."""
    return sorted(
        p for p in folder.rglob("*.json")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and CHECKPOINTS not in p.relative_to(folder).parts[:-1]
    )


def _summary(problems: list[str], shown: int = 4) -> str:
    """The first few field problems of a file; `python -m benchmark submit FILE` lists all."""
    head = "; ".join(problems[:shown])
    rest = len(problems) - shown
    return head + (f"; and {rest} more (`python -m benchmark submit --check FILE` lists all)"
                   if rest > 0 else "")


def load_results(folders: Iterable[str | Path]) -> ResultSet:
    """Read every ``*.json`` under the folders; invalid files become ``problems``.

    Legacy records (no identity to verify the run id against) are kept and listed
    in ``notes``.

    Raises ``BenchmarkError`` for a folder that does not exist and
    ``UnsupportedSchemaError`` for a record of another schema major version.
    """
    records: list[dict[str, Any]] = []
    sources: list[str] = []
    problems: list[RecordProblem] = []
    notes: list[RecordProblem] = []
    folder_names: list[str] = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise BenchmarkError(f"results folder {str(folder)!r} does not exist")
        folder_names.append(str(folder))
        for path in _record_files(folder):
            reading = read_record(path)
            if reading.record is None:
                problems.append(RecordProblem(reading.source, _summary(reading.problems)))
                continue
            records.append(reading.record)
            sources.append(reading.source)
            notes += [RecordProblem(reading.source, note) for note in reading.notes]
    result = build_result_set(records, sources)
    result.problems[:0] = problems
    result.sources = folder_names
    result.notes = notes
    return result


def score_columns(frame: pd.DataFrame) -> list[str]:
    """Task names that have a score column in ``frame``."""
    return [c[len(SCORE_PREFIX):] for c in frame.columns if str(c).startswith(SCORE_PREFIX)]
