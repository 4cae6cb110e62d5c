"""Per-phase wall-clock seconds: accumulated per phase, and recorded by a real run."""

from __future__ import annotations

import time

import pytest

from benchmark.methods.registry import get_method
from benchmark.results.validate import validate_record
from benchmark.runs.execute import build_record, train_run
from benchmark.runs.plan import plan_runs
from benchmark.runs.settings import resolve_settings
from benchmark.training.timing import PHASES, PhaseTimes


def test_phases_accumulate_and_keep_run_order():
    times = PhaseTimes()
    with times.phase("eval_s"):
        time.sleep(0.01)
    times.add("train_s", 0.5)
    times.add("train_s", 0.25)
    times.merge({"eval_s": 1.0, "custom_s": 2.0})
    record = times.as_record()
    assert list(record) == ["train_s", "eval_s", "custom_s"]  # PHASES order, unknown last
    assert record["train_s"] == 0.75
    assert 1.01 <= record["eval_s"] < 1.5


def test_a_phase_that_raises_is_still_counted():
    times = PhaseTimes()
    with pytest.raises(ValueError), times.phase("load_s"):
        raise ValueError("boom")
    assert "load_s" in times.as_record()


@pytest.mark.parametrize("method", ["camtl", "stl"])
def test_run_records_where_its_time_went(method, data_dir, tiny_backbone, tmp_path):
    settings = resolve_settings(None, None, {
        "tasks": ["rte", "mrpc"], "methods": [method], "backbone": tiny_backbone,
        "data_dir": str(data_dir), "max_train_samples": 16, "max_eval_samples": 8,
        "max_steps": 2, "batch_size": 4, "max_length": 32, "progress": False})
    [spec] = plan_runs(settings)
    run = train_run(spec, str(data_dir), tmp_path)
    record = build_record(spec, get_method(method), run)
    validate_record(record, "timed record")
    timing = record["training"]["timing"]
    assert set(timing) <= set(PHASES)
    for phase in ("load_s", "tokenize_s", "train_s", "eval_s", "selection_s"):
        assert timing[phase] > 0, (phase, timing)
    # the phases are parts of the run: together no more than its wall time
    assert sum(timing.values()) <= record["training"]["wall_time_s"] + 0.01
    if method == "camtl":  # MT-Uncertainty scores candidates before each step
        assert timing["score_s"] > 0.01
    else:  # two per-task models: both trained, both evaluated, nothing to score
        assert 0 <= timing["score_s"] < timing["train_s"]
