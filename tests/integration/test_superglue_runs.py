"""SuperGLUE end to end: every task with a local training split trains and is scored on val."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from benchmark.cli.main import main
from benchmark.results.schema import RESULT_SCHEMA

pytestmark = pytest.mark.slow
TRAINABLE_HERE = {"cb", "copa", "multirc", "rte", "wic", "wsc"}  # BoolQ/ReCoRD train missing


def _only_record(folder: Path) -> dict:
    (path,) = folder.glob("*.json")
    record = json.loads(path.read_text())
    jsonschema.validate(record, RESULT_SCHEMA)
    return record


def test_superglue_smoke_trains_every_local_task_and_writes_server_files(
    data_dir, tiny_backbone, tmp_path
):
    code = main([
        "run", "--suite", "superglue", "--methods", "mtl", "--profile", "smoke",
        "--backbone", tiny_backbone, "--data-dir", str(data_dir), "--output", str(tmp_path),
        "--max-train-samples", "48", "--max-eval-samples", "48", "--max-length", "64",
        "--predict-test", "--no-progress",
    ])
    assert code == 0
    record = _only_record(tmp_path)
    assert set(record["tasks"]) == TRAINABLE_HERE
    assert {s["task"] for s in record["skipped_tasks"]} == {"boolq", "record"}
    assert record["suite_average"] is None  # incomplete suite: never shown as complete
    for task in TRAINABLE_HERE:
        assert record["main_scores"][task] is not None
    assert set(record["metrics"]["multirc"]) == {"f1a", "em"}
    assert set(record["metrics"]["cb"]) == {"macro_f1", "accuracy"}
    # diagnostics are scored with the RTE model
    assert {"axb", "axg"} <= set(record["metrics"])
    assert "gender_parity" in record["metrics"]["axg"]
    files = {Path(p).name for p in record["prediction_files"]}
    assert {"CB.jsonl", "COPA.jsonl", "RTE.jsonl", "AX-b.jsonl", "AX-g.jsonl"} <= files
    copa = [json.loads(x) for x in (tmp_path / "predictions" / record["run_id"] / "COPA.jsonl")
            .read_text().splitlines()]
    assert len(copa) == 500 and all(set(x) == {"idx", "label"} and x["label"] in (0, 1)
                                    for x in copa)


def test_camtl_over_five_superglue_tasks_with_minilm(data_dir, tmp_path):
    tasks = "cb,copa,rte,wic,wsc"
    code = main([
        "run", "--tasks", tasks, "--methods", "camtl", "--data-dir", str(data_dir),
        "--output", str(tmp_path), "--max-train-samples", "64", "--max-eval-samples", "64",
        "--epochs", "1", "--batch-size", "16", "--max-length", "96", "--no-progress",
    ])
    assert code == 0
    record = _only_record(tmp_path)
    assert record["method"] == "camtl" and record["training"]["sampler"] == "mt-uncertainty"
    # every task is SuperGLUE's, so the run belongs to that suite and scores its diagnostics
    assert record["suite"] == "superglue"
    assert set(record["metrics"]) == set(tasks.split(",")) | {"axb", "axg"}
    assert all(v is not None for v in record["main_scores"].values())
    usage = record["data_usage"]["per_task"]
    # MT-Uncertainty may leave a confident task out of every batch; counts stay consistent
    assert all(0 <= usage[t]["updated"] <= usage[t]["available"] for t in usage)
    assert record["data_usage"]["overall"]["updated"] > 0
