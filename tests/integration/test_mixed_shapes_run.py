"""One CA-MTL run over three task shapes: RTE (pooled classes), SQuAD (spans over windows,
trained on half of its dev passages) and WNUT 2017 (a tag per word), on the real files, with
MT-Uncertainty scoring all three; one record carries every task's metrics and predictions."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from benchmark.cli.main import main


def test_camtl_trains_rte_squad_and_wnut17_in_one_run(data_dir: Path, tmp_path: Path,
                                                     tiny_backbone: str) -> None:
    output = tmp_path / "results"
    code = main(["run", "--tasks", "rte,squad,wnut17", "--methods", "camtl",
                 "--backbone", tiny_backbone, "--data-dir", str(data_dir),
                 "--output", str(output), "--max-train-samples", "48",
                 "--max-eval-samples", "24", "--epochs", "1", "--batch-size", "8",
                 "--max-length", "64", "--model-selection", "last", "--seeds", "12",
                 "--no-progress"])
    assert code == 0
    (path,) = output.glob("*.json")
    record = json.loads(path.read_text())
    assert record["tasks"] == ["rte", "squad", "wnut17"]
    metrics = record["metrics"]
    assert set(metrics["rte"]) >= {"accuracy"}
    assert set(metrics["squad"]) == {"f1", "em"}
    assert "entity_f1" in metrics["wnut17"]
    assert all(0 <= record["main_scores"][t] <= 100 for t in record["tasks"])
    assert record["training"]["sampler"] == "mt-uncertainty"
    assert record["budget"]["train_from_part_of"]["squad"]["source"] == "dev"
    assert record["budget"]["format_settings"]["squad"]["window_length"] == 64
    steps = record["training"]["task_schedule"]
    assert set(steps) == {"rte", "squad", "wnut17"} and all(steps.values())  # each trained
    lines = [json.loads(line) for line in gzip.open(path.with_suffix(".predictions.jsonl.gz"))]
    assert {line["task"] for line in lines} == {"rte", "squad", "wnut17"}
    span = next(line for line in lines if line["task"] == "squad")
    assert set(json.loads(span["prediction"])) == {"text", "char_span"}
