"""Result records built in the tests, valid and plausible, for reports to read.

``make_record`` writes what the harness writes (an identity whose hash is the run id,
counts and steps the budget allows, the runner's suite average); ``smoke_results`` is
the folder the browser test reads: the folder named by ``CAMTL_SMOKE_RESULTS`` when a smoke run
produced one (``python -m benchmark run --suite glue --profile smoke``), else records
built here.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmark.errors import UnknownNameError
from benchmark.metrics import suite_average as runner_suite_average
from benchmark.results.example_predictions import SplitPredictions, encode
from benchmark.results.schema import SCHEMA_VERSION
from benchmark.results.validate import validate_record
from benchmark.runs.spec import identity_hash
from benchmark.stats import metric_named
from benchmark.tasks.registry import get_task

BACKBONE = {"name": "sentence-transformers/all-MiniLM-L6-v2", "fingerprint": "f" * 64}
BUDGET = {"max_train_samples": 64, "max_eval_samples": 32, "epochs": 1, "batch_size": 8,
          "max_length": 128, "learning_rate": 2e-5}


AVAILABLE = 50
"""Training examples per task (at most the budget's max_train_samples): ratios of 0.02 steps
are exact."""


def _auto_suite_average(suite: str, scores: Mapping[str, float | None]) -> float | None:
    """What the runner records: the registered suite's average (None if a task is missing);
    for a suite this process does not know (a user suite), the mean of the scores."""
    try:
        return runner_suite_average(suite, scores)
    except UnknownNameError:
        present = [v for v in scores.values() if v is not None]
        return statistics.fmean(present) if len(present) == len(scores) else None


def _schedule(tasks: list[str], steps: int) -> dict[str, list[list[int]]]:
    """Run-length encoded steps per task: task k is in the batch when step % (k + 2) != 0."""
    schedule = {}
    for k, task in enumerate(tasks):
        runs: list[list[int]] = []
        for step in range(steps):
            if step % (k + 2) == 0:
                continue
            if runs and runs[-1][0] + runs[-1][1] == step:
                runs[-1][1] += 1
            else:
                runs.append([step, 1])
        schedule[task] = runs
    return schedule


def build_record(
    method: str = "camtl",
    seed: int = 1,
    scores: Mapping[str, float | None] | None = None,
    *,
    suite: str = "glue",
    backbone: Mapping[str, str] | None = None,
    budget: Mapping[str, Any] | None = None,
    train_fraction: float | None = None,
    params: Mapping[str, Any] | None = None,
    data_ratio: float = 0.66,
    suite_average: float | None | str = "auto",
    steps: int | None = None,
    created: str = "2025-01-01T00:00:00+00:00",
    legacy: bool = False,
) -> dict[str, Any]:
    """A valid, plausible record; ``suite_average='auto'`` is what the runner would record.

    ``steps=None``: one epoch of a proportional sampler over the budget. ``legacy``:
    a schema 1.0 record without ``identity`` (its run id cannot be verified).
    """
    scores = dict(scores if scores is not None else {"rte": 70.0, "mrpc": 80.0})
    tasks = list(scores)
    budget = dict(budget or BUDGET)
    if train_fraction is not None:
        budget["train_fraction"] = train_fraction
    backbone = dict(backbone or BACKBONE)
    if suite_average == "auto":
        suite_average = _auto_suite_average(suite, scores)
    n_backbone = 22_700_000
    trainable = int(n_backbone * 0.5) if params is None else params["trainable"]
    parameters = {
        "backbone": n_backbone, "trainable": trainable, "frozen_shared": n_backbone // 2,
        "total_to_serve": n_backbone // 2 + trainable, "trained_per_task": trainable / len(tasks),
        "trained_per_task_ratio": trainable / len(tasks) / n_backbone,
        "per_task": {t: 1000 for t in tasks}, "definition": "see docs/results.md",
    }
    parameters.update(params or {})
    config = {"method": method, "seed": seed, "suite": suite, "tasks": tasks,
              "backbone": backbone, "budget": budget}
    sampler = "mt-uncertainty" if method.startswith("camtl") else "proportional"
    identity = {
        "method": method, "method_options": {}, "suite": suite, "tasks": tasks, "seed": seed,
        "backbone": backbone["name"], "sampler": sampler,
        "budget": {"max_train_samples": budget.get("max_train_samples"),
                   "max_eval_samples": budget.get("max_eval_samples"),
                   "train_fraction": budget.get("train_fraction", 1.0)},
        "train": {k: budget.get(k) for k in ("epochs", "batch_size", "max_length",
                                              "learning_rate")},
    }
    available = min(AVAILABLE, budget.get("max_train_samples") or AVAILABLE)
    updated = round(available * data_ratio)
    if steps is None:
        batches = math.ceil(available / budget["batch_size"])
        steps = math.ceil(budget["epochs"] * len(tasks) * batches)
    usage = {t: {"available": available, "updated": updated, "seen": available,
                 "ratio": updated / available} for t in tasks}
    total = {"available": available * len(tasks), "updated": updated * len(tasks),
             "seen": available * len(tasks), "ratio": updated / available}
    record = {
        "schema_version": "1.0" if legacy else SCHEMA_VERSION,
        "run_id": identity_hash(identity),
        "method": method,
        "method_options": {},
        "suite": suite,
        "tasks": tasks,
        "skipped_tasks": [],
        "seed": seed,
        "backbone": backbone,
        "budget": budget,
        "metrics": {t: {"accuracy": None if v is None else v / 100} for t, v in scores.items()},
        "main_scores": scores,
        "suite_average": suite_average,
        "parameters": parameters,
        "data_usage": {"per_task": usage, "overall": total, "definition": "updated / available"},
        "training": {
            "steps": steps, "wall_time_s": 12.5, "peak_memory_mb": 900.0, "precision": "fp32",
            "sampler": sampler,
            "model_selection": "best", "task_schedule": _schedule(tasks, steps),
        },
        "history": [
            {"step": s, "epoch": s / steps,
             "main_scores": {t: (v or 50.0) * s / steps for t, v in scores.items()},
             "train_loss": 1.0 / s}
            for s in (steps // 2, steps)
        ],
        "manifest": {
            "packages": {"torch": "2.5.1", "transformers": "4.57.6"},
            "git_commit": "0123456789abcdef0123456789abcdef01234567",
            "data_files": {"glue_data/RTE/train.tsv": "a" * 64},
            "hardware": {"cpu": "2 cores", "gpu": None},
            "config": config,
            "created": created,
        },
    }
    if not legacy:
        record["identity"] = identity
    validate_record(record)
    return record


PREDICTION_FILES: dict[str, bytes] = {}
"""run id -> the per-example predictions file ``with_predictions`` encoded for it."""


def with_predictions(
    record: dict[str, Any],
    examples: Mapping[str, tuple[Any, Any]],
    trivial: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The record with per-example predictions (task -> (predictions, gold)) as the harness
    writes them: ``example_predictions`` names the file, ``main_scores`` and ``metrics`` are
    what those predictions score (accuracy), ``trivial_baseline`` holds the constants
    (default: the majority gold label, standing in for the training majority).

    ``write_records`` writes the file beside the record.
    """
    splits, scores, metrics = [], {}, {}
    for task, (pred, gold) in examples.items():
        pred, gold = np.asarray(pred), np.asarray(gold)
        splits.append(SplitPredictions(task, "dev", tuple(f"{task}-{i}" for i in range(len(gold))),
                                       pred, gold))
        try:
            names = list(get_task(task).metrics)
        except UnknownNameError:
            names = ["accuracy"]
        metrics[task] = {m: float(metric_named(m)(pred, gold)) for m in names}
        scores[task] = 100.0 * float(np.mean(list(metrics[task].values())))
    payload = encode(splits)
    constants = dict(trivial) if trivial is not None else {
        t: float(np.bincount(np.asarray(g, dtype=int)).argmax()) for t, (_, g) in examples.items()}
    out = dict(record)
    out["main_scores"] = {**record["main_scores"], **scores}
    out["metrics"] = {**record["metrics"], **metrics}
    out["example_predictions"] = payload.field(record["run_id"])
    out["trivial_baseline"] = {
        t: {"predictor": "majority class", "value": v, "train_examples": 100}
        for t, v in constants.items()}
    if out.get("suite_average") is not None:
        out["suite_average"] = _auto_suite_average(out["suite"], out["main_scores"])
    validate_record(out)
    PREDICTION_FILES[record["run_id"]] = payload.data
    return out


def write_records(folder: Path, records: list[dict[str, Any]]) -> Path:
    """Write records as the harness does: ``<folder>/<run_id>.json``, and the per-example
    predictions file beside each record that ``with_predictions`` gave one."""
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        (folder / f"{record['run_id']}.json").write_text(json.dumps(record, indent=2))
        entry = record.get("example_predictions")
        if entry and record["run_id"] in PREDICTION_FILES:
            (folder / entry["file"]).write_bytes(PREDICTION_FILES[record["run_id"]])
    return folder


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    """``make_record(method, seed, scores, **options)``: a schema-valid record."""
    return build_record


@pytest.fixture(name="with_predictions", scope="session")
def with_predictions_fixture() -> Callable[..., dict[str, Any]]:
    """``with_predictions(record, {task: (predictions, gold)})``: see the function."""
    return with_predictions


@pytest.fixture(name="write_records", scope="session")
def write_records_fixture() -> Callable[[Path, list[dict[str, Any]]], Path]:
    """``write_records(folder, records)``: the records as ``<run_id>.json`` files."""
    return write_records


def synthetic_smoke_records() -> list[dict[str, Any]]:
    """Three methods x three seeds on two GLUE tasks, one seed of STL missing."""
    records = []
    base = {"stl": (68.0, 79.0), "mtl": (66.0, 81.0), "camtl": (71.0, 82.5)}
    for method, (rte, mrpc) in base.items():
        for seed in (1, 2, 3):
            if method == "stl" and seed == 3:
                continue
            scores = {"rte": rte + seed * 0.7, "mrpc": mrpc - seed * 0.4}
            trainable = 2 * 22_700_000 if method == "stl" else 11_350_000
            records.append(build_record(method, seed, scores, params={"trainable": trainable}))
    records.append(build_record("<script>alert(1)</script>", 1, {"rte": 50.0, "mrpc": 50.0}))
    return records


@pytest.fixture(scope="session")
def synthetic_records() -> list[dict[str, Any]]:
    """Three methods x three seeds on rte and mrpc, STL seed 3 missing, one hostile name."""
    return synthetic_smoke_records()


@pytest.fixture(scope="session")
def smoke_results(tmp_path_factory: pytest.TempPathFactory,
                  synthetic_records: list[dict[str, Any]]) -> Path:
    """Records of a real smoke run when ``CAMTL_SMOKE_RESULTS`` names them, else synthetic."""
    given = os.environ.get("CAMTL_SMOKE_RESULTS")
    if given:
        folder = Path(given)
        if not any(folder.rglob("*.json")):
            pytest.fail(f"CAMTL_SMOKE_RESULTS={given} holds no result records")
        return folder
    return write_records(tmp_path_factory.mktemp("smoke") / "results", synthetic_records)


class _TableParser(HTMLParser):
    """Collect every ``table[data-table]`` cell: row key, column key, data-* and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict[tuple[str, str], dict[str, str]]] = {}
        self.scripts = 0
        self.texts: list[str] = []
        self._table: str | None = None
        self._columns: list[str] = []
        self._row: str | None = None
        self._col = 0
        self._cell: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            self.scripts += 1
        elif tag == "table" and "data-table" in a:
            self._table, self._columns = a["data-table"], []
            self.tables[self._table] = {}
        elif tag == "th" and self._table and "data-column" in a:
            self._columns.append(a["data-column"])
        elif tag == "tr" and self._table:
            self._row, self._col = a.get("data-row"), 0
        elif tag == "td" and self._table and self._row is not None and "data-mean" in a:
            self._cell = dict(a, text="")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "td" and self._cell is not None:
            key = (self._row, self._columns[self._col])
            self.tables[self._table][key] = self._cell
            self._cell, self._col = None, self._col + 1

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._cell is not None:
            self._cell["text"] += data


def parse_html(page: str) -> _TableParser:
    parser = _TableParser()
    parser.feed(page)
    return parser


@pytest.fixture(name="parse_html")
def parse_html_fixture() -> Callable[[str], _TableParser]:
    """``parse_html(page)``: ``.tables[slug][(row, column)]`` cells, ``.scripts``, ``.texts``."""
    return parse_html
