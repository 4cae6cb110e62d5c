"""Per-task training caps (``task_train_samples``): what they change and what they leave."""

from __future__ import annotations

import json

from run_helpers import TINY_RUN

from benchmark.runs.plan import plan_runs
from benchmark.runs.settings import resolve_settings


def _settings(data_dir, backbone, **values):
    return resolve_settings(None, None, {"tasks": ["rte", "mrpc"], "methods": ["mtl"],
                                         "backbone": backbone, "data_dir": str(data_dir),
                                         "max_train_samples": 24, **values})


def test_a_cap_enters_the_id_only_when_set(data_dir, tiny_backbone):
    [plain] = plan_runs(_settings(data_dir, tiny_backbone))
    [capped] = plan_runs(_settings(data_dir, tiny_backbone, task_train_samples={"rte": 40}))
    assert "task_train_samples" not in plain.identity()["budget"]  # old ids stay valid
    assert capped.identity()["budget"]["task_train_samples"] == {"rte": 40}
    assert capped.run_id != plain.run_id
    assert capped.budget.train_cap("rte") == 40 and capped.budget.train_cap("mrpc") == 24


def test_a_cap_for_a_task_not_in_the_run_is_dropped(data_dir, tiny_backbone):
    [spec] = plan_runs(_settings(data_dir, tiny_backbone, task_train_samples={"cola": 300}))
    [plain] = plan_runs(_settings(data_dir, tiny_backbone))
    assert spec.run_id == plain.run_id


def test_the_record_counts_the_capped_examples(run_cli, data_dir, tiny_backbone, tmp_path):
    config = tmp_path / "caps.yaml"
    config.write_text("max_train_samples: 16\ntask_train_samples: {rte: 40}\n")
    output = tmp_path / "results"
    result = run_cli(["--tasks", "rte,mrpc", "--methods", "mtl", "--backbone", tiny_backbone,
                      "--data-dir", str(data_dir), "--output", str(output),
                      "--config", str(config), *TINY_RUN])
    assert result.code == 0, result.err
    [path] = output.glob("*.json")
    budget = json.loads(path.read_text())["budget"]
    assert budget["task_train_samples"] == {"rte": 40}
    assert budget["train_examples"]["rte"] > budget["train_examples"]["mrpc"]


def test_bad_caps_are_refused_before_training(run_cli, data_dir, tiny_backbone, tmp_path):
    output = tmp_path / "results"
    for text, expected in (("task_train_samples: {rte: 0}", "task_train_samples.rte (0)"),
                           ("task_train_samples: {rtee: 10}", "rtee"),
                           ("task_train_samples: {rte: many}", "task_train_samples")):
        config = tmp_path / "bad.yaml"
        config.write_text(text + "\n")
        result = run_cli(["--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
                          "--data-dir", str(data_dir), "--output", str(output),
                          "--config", str(config), *TINY_RUN])
        assert result.code == 2, (text, result.err)
        assert expected in result.err, (text, result.err)
        assert "Traceback" not in result.err
    assert not output.exists() or not list(output.glob("*.json"))
