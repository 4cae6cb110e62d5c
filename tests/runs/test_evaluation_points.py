"""`evaluations_per_epoch: 0`: one dev evaluation, after the last step, for `last` runs that
read nothing else; the trained model and its final scores are those of per-epoch runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from run_helpers import TINY_RUN

from benchmark.results.example_predictions import load_example_predictions


def _run(run_cli, tmp_path: Path, name: str, settings: str, common: list[str]):
    config = tmp_path / f"{name}.yaml"
    config.write_text(settings)
    out = tmp_path / name
    outcome = run_cli([*common, "--output", str(out), "--config", str(config)])
    return outcome, out


def _common(tiny_backbone: str, data_dir: Path) -> list[str]:
    args = ["--tasks", "rte,stsb", "--methods", "mtl", "--backbone", tiny_backbone,
            "--data-dir", str(data_dir), *TINY_RUN]
    at = args.index("--max-steps")
    del args[at:at + 2]  # epochs, so that there is more than one epoch to evaluate
    return [*args, "--epochs", "3"]


def test_final_only_evaluation_scores_as_the_last_of_per_epoch(run_cli, tiny_backbone,
                                                                 data_dir, tmp_path):
    common = _common(tiny_backbone, data_dir)
    each, each_out = _run(run_cli, tmp_path, "each", "model_selection: last\n", common)
    once, once_out = _run(run_cli, tmp_path, "once",
                          "model_selection: last\nevaluations_per_epoch: 0\n", common)
    assert each.code == 0 and once.code == 0, each.err + once.err
    (each_record,) = [json.loads(p.read_text()) for p in each_out.glob("*.json")]
    (once_record,) = [json.loads(p.read_text()) for p in once_out.glob("*.json")]
    assert each_record["run_id"] != once_record["run_id"]  # another config, another run
    steps = each_record["training"]["steps"]
    assert steps == once_record["training"]["steps"] and steps % 3 == 0
    assert [e["step"] for e in each_record["history"]] == [steps // 3, 2 * steps // 3, steps]
    assert [e["step"] for e in once_record["history"]] == [steps]
    # evaluating changes nothing that trains: the one evaluation is the per-epoch run's last,
    # down to STS-B's float predictions
    assert once_record["metrics"] == each_record["metrics"]
    assert once_record["history"][0]["main_scores"] == each_record["history"][-1]["main_scores"]
    each_predictions = load_example_predictions(each_record, each_out)
    once_predictions = load_example_predictions(once_record, once_out)
    assert each_predictions.keys() == once_predictions.keys() == {("rte", "dev"), ("stsb", "dev")}
    for key, split in each_predictions.items():
        assert np.array_equal(split.predictions, once_predictions[key].predictions)
    assert len(set(each_predictions["stsb", "dev"].predictions.tolist())) > 1  # not a constant


def test_final_only_evaluation_with_a_selection_rule_is_refused(run_cli, tiny_backbone,
                                                                data_dir, tmp_path):
    outcome, out = _run(run_cli, tmp_path, "best", "evaluations_per_epoch: 0\n",
                        _common(tiny_backbone, data_dir))
    assert outcome.code == 2
    assert "evaluations_per_epoch 0 evaluates once" in outcome.err
    assert "model_selection last" in outcome.err and "Traceback" not in outcome.err
    assert not out.exists() or not list(out.glob("*.json"))  # refused before training


def test_a_negative_count_is_refused(run_cli, tiny_backbone, data_dir, tmp_path):
    outcome, _ = _run(run_cli, tmp_path, "neg", "evaluations_per_epoch: -1\n",
                      _common(tiny_backbone, data_dir))
    assert outcome.code == 2 and "evaluations_per_epoch" in outcome.err
