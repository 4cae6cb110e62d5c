"""One config path: Settings holds the TrainConfig, method overrides apply once, in plan."""

from __future__ import annotations

import dataclasses
import json
import logging
import math

import pytest
from run_helpers import TINY_RUN

from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Method
from benchmark.methods.registry import get_method
from benchmark.results.validate import InvalidRecordError
from benchmark.runs.execute import build_record, train_run
from benchmark.runs.plan import method_train_config, plan_runs
from benchmark.runs.settings import resolve_settings
from benchmark.training.config import TrainConfig


def test_layers_merge_into_one_train_config(tmp_path):
    config = tmp_path / "runs.yaml"
    config.write_text("batch_size: 8\nwarmup_ratio: 0.2\n")
    settings = resolve_settings("smoke", str(config), {"max_length": 48, "epochs": None})
    assert settings.train.max_length == 48  # flag over the profile's 64
    assert settings.train.batch_size == 8  # file over the profile's 16
    assert settings.train.warmup_ratio == 0.2  # any TrainConfig field, no flag needed
    assert settings.train.epochs == 2  # the profile's; a flag left unset changes nothing
    assert settings.train.learning_rate == 1e-4


def test_impossible_train_config_names_the_layer():
    with pytest.raises(BenchmarkError, match=r"epochs must be > 0.*set in command-line flags"):
        resolve_settings(None, None, {"epochs": 0})


def test_method_overrides_are_in_the_spec_its_id_and_nowhere_else(data_dir, tiny_backbone):
    settings = resolve_settings(None, None, {
        "tasks": ["rte"], "methods": ["mtl", "houlsby"], "learning_rate": 3e-4,
        "backbone": tiny_backbone, "data_dir": str(data_dir)})
    mtl, houlsby = plan_runs(settings)
    assert mtl.train.learning_rate == 3e-4
    assert houlsby.train.learning_rate == 1e-3  # houlsby's declared learning_rate option
    assert houlsby.identity()["train"]["learning_rate"] == 1e-3
    settings.method_options = {"houlsby": {"learning_rate": 5e-4}}
    [_, houlsby] = plan_runs(settings)
    assert houlsby.train.learning_rate == 5e-4


class _Long(Method):
    name = "long"
    summary = "test method with training overrides"
    option_defaults = {"max_length": 48, "epochs": 7, "width": 3}
    train_options = ("max_length",)

    def build_encoder(self, backbone, tasks, options, max_length):
        raise NotImplementedError


def test_only_declared_options_override_training(caplog):
    base = TrainConfig(max_length=128, epochs=2)
    method = _Long()
    with caplog.at_level(logging.WARNING):
        train = method_train_config(base, method, method.resolve_options(None))
    assert (train.max_length, train.epochs) == (48, 2)
    assert "epochs" in caplog.text and "train_options" in caplog.text  # undeclared: said so

    method.train_options = ("width",)
    with pytest.raises(BenchmarkError, match="'width'.*not training settings"):
        method_train_config(base, method, method.resolve_options(None))
    method.train_options = ("max_length",)
    with pytest.raises(BenchmarkError, match="max_length must be in 8..512.*'long'"):
        method_train_config(base, method, method.resolve_options({"max_length": 4}))


def test_record_shows_the_values_the_run_used(run_cli, data_dir, tiny_backbone, tmp_path):
    output = tmp_path / "results"
    result = run_cli(["--tasks", "rte", "--methods", "houlsby", "--backbone", tiny_backbone,
                      "--data-dir", str(data_dir), "--output", str(output), *TINY_RUN,
                      "--method-option", "houlsby.learning_rate=5e-4"])
    assert result.code == 0, result.err
    [path] = output.glob("*.json")
    record = json.loads(path.read_text())
    assert record["budget"]["learning_rate"] == 5e-4
    assert record["identity"]["train"]["learning_rate"] == 5e-4
    assert record["manifest"]["config"]["train"]["learning_rate"] == 5e-4
    assert record["budget"]["max_length"] == record["identity"]["train"]["max_length"] == 32
    assert record["method_provenance"]["dependencies"]["adapters"]


def test_build_record_refuses_an_invalid_record_before_writing(data_dir, tiny_backbone,
                                                                  tmp_path):
    settings = resolve_settings(None, None, {
        "tasks": ["rte"], "methods": ["mtl"], "backbone": tiny_backbone,
        "data_dir": str(data_dir), "max_train_samples": 8, "max_eval_samples": 8,
        "max_steps": 1, "max_length": 32, "progress": False})
    [spec] = plan_runs(settings)
    run = train_run(spec, str(data_dir), tmp_path)
    record = build_record(spec, get_method("mtl"), run)
    assert record["run_id"] == spec.run_id and record["identity"] == spec.identity()

    outcome = run.outcomes[0]
    broken = dataclasses.replace(outcome, metrics={"rte": {"accuracy": math.nan}})
    with pytest.raises(InvalidRecordError, match="metrics"):
        build_record(spec, get_method("mtl"), dataclasses.replace(run, outcomes=[broken]))
    assert not list(tmp_path.glob("*.json"))


def test_mappings_merge_key_by_key_across_layers(tmp_path, data_dir):
    """A config that raises CoLA's cap keeps the profile's MRPC and RTE caps, and a flag's
    method option keeps the config's other options for that method."""
    config = tmp_path / "runs.yaml"
    config.write_text("task_train_samples: {cola: 3000}\n"
                      "method_options: {houlsby: {learning_rate: 5e-4}}\n")
    settings = resolve_settings("learn", str(config),
                                {"method_options": {"houlsby": {"bottleneck": 32}}})
    assert settings.task_train_samples == {"cola": 3000, "mrpc": 1800, "rte": 800}
    assert settings.method_options == {"houlsby": {"learning_rate": 5e-4, "bottleneck": 32}}
