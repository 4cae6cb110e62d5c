"""Honest model selection: the held-out slice never trains, and the record says how it chose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_helpers import TINY_RUN

from benchmark.data.loading import load_split
from benchmark.errors import TrainingError
from benchmark.runs.prepare import SELECTION_MAX, SELECTION_MIN, hold_out, subset
from benchmark.tasks.registry import get_task
from benchmark.training.selection import CheckpointSelector


@pytest.mark.parametrize("budget", [64, 2000, None])
def test_slice_is_disjoint_from_training_on_real_sst2(data_dir: Path, budget: int | None):
    examples = subset(load_split(get_task("sst2"), "train", data_dir), budget, 1.0, 12)
    train, held = hold_out(examples, 0.1, 12, "sst2")
    ids = {id(e) for e in train}
    assert not any(id(e) in ids for e in held)
    assert not {e.uid for e in train} & {e.uid for e in held}  # no source row on both sides
    assert len(train) + len(held) == len(examples)
    expected = min(max(-(-len(examples) // 10), SELECTION_MIN), SELECTION_MAX, len(examples) // 2)
    assert len(held) == expected


def test_slice_is_seeded_and_keeps_groups_together(data_dir: Path):
    examples = load_split(get_task("multirc"), "train", data_dir)[:400]
    train, held = hold_out(examples, 0.1, 3, "multirc")
    again = hold_out(examples, 0.1, 3, "multirc")[1]
    other = hold_out(examples, 0.1, 4, "multirc")[1]
    assert [id(e) for e in held] == [id(e) for e in again]
    assert [id(e) for e in held] != [id(e) for e in other]
    assert not {e.group for e in held} & {e.group for e in train}


def test_too_few_examples_to_hold_out_is_refused(data_dir: Path):
    one = load_split(get_task("rte"), "train", data_dir)[:1]
    with pytest.raises(TrainingError, match="too few to hold out.*--model-selection last"):
        hold_out(one, 0.1, 12, "rte")


def test_best_dev_keeps_every_metrics_maximum(data_dir: Path):
    mrpc = get_task("mrpc")
    selector = CheckpointSelector("best-dev", [mrpc])
    first = {"mrpc": {"accuracy": 0.7, "f1": 0.6}}
    second = {"mrpc": {"accuracy": 0.6, "f1": 0.8}}
    assert selector.consider(1, first, {"mrpc": 65.0}, None)
    assert selector.consider(2, second, {"mrpc": 70.0}, None)
    assert selector.metrics == {"mrpc": {"accuracy": 0.7, "f1": 0.8}}
    assert selector.scores["mrpc"] == pytest.approx(75.0)


def test_best_selects_on_the_slice_not_on_dev():
    task = get_task("rte")
    selector = CheckpointSelector("best", [task])
    selector.consider(1, {"rte": {"accuracy": 0.9}}, {"rte": 90.0}, {"rte": 40.0})
    assert not selector.consider(2, {"rte": {"accuracy": 0.5}}, {"rte": 50.0}, {"rte": 30.0})
    assert selector.consider(3, {"rte": {"accuracy": 0.6}}, {"rte": 60.0}, {"rte": 45.0})
    assert (selector.step, selector.scores) == (3, {"rte": 60.0})


def test_record_names_the_slice_size_and_seed(run_cli, tiny_backbone, data_dir, tmp_path):
    out = tmp_path / "results"
    args = ["--tasks", "rte,sst2", "--methods", "mtl", "--backbone", tiny_backbone,
            "--data-dir", str(data_dir), "--output", str(out), *TINY_RUN]
    args[args.index("--max-train-samples") + 1] = "40"
    outcome = run_cli(args)
    assert outcome.code == 0, outcome.err
    (path,) = out.glob("*.json")
    record = json.loads(path.read_text())
    selection = record["training"]["selection"]
    assert selection == {"rule": "best", "split": "train-heldout", "fraction": 0.1,
                         "size": {"rte": 8, "sst2": 8}, "seed": 12, "optimistic": False}
    assert record["budget"]["train_examples"] == {"rte": 32, "sst2": 32}
    assert record["data_usage"]["per_task"]["rte"]["available"] == 32
    assert all(set(e["selection_scores"]) == {"rte", "sst2"} for e in record["history"])


def test_best_without_slices_is_refused_before_training(tiny_backbone):
    from baselines.mtl import StandardMultiTask
    from benchmark.training.config import TrainConfig
    from benchmark.training.heads import MultiTaskModel
    from benchmark.training.loop import train_and_evaluate

    task = get_task("rte")
    model = MultiTaskModel(StandardMultiTask().build_encoder(tiny_backbone, [task], {}, 32), [task])
    with pytest.raises(TrainingError, match="model_selection best selects on held-out slices"):
        train_and_evaluate(model, [[object()]], [], TrainConfig(progress=False), "sequential", 1, 0)
