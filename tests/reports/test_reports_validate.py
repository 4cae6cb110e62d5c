"""Record validation: every problem named by its field, other major versions refused."""

from __future__ import annotations

import json

import pytest

from benchmark.errors import BenchmarkError
from benchmark.results.validate import (
    InvalidRecordError,
    UnsupportedSchemaError,
    read_record,
    record_problems,
    validate_record,
)


def test_a_built_record_is_valid(make_record):
    validate_record(make_record())
    assert record_problems(make_record(train_fraction=0.25)) == []


def test_problems_name_the_field(make_record):
    record = make_record()
    del record["parameters"]["total_to_serve"]
    record["parameters"]["trainable"] = -5
    record["training"]["precision"] = "fp8"
    record["main_scores"]["rte"] = "high"
    problems = record_problems(record)
    assert "parameters.total_to_serve: required field is missing" in problems
    assert any(p.startswith("parameters.trainable: -5 is less than the minimum") for p in problems)
    assert any(p.startswith("training.precision:") for p in problems)
    assert any(p.startswith("main_scores.rte:") for p in problems)
    with pytest.raises(InvalidRecordError) as info:
        validate_record(record, "run.json")
    assert "run.json" in str(info.value) and "parameters.total_to_serve" in str(info.value)
    assert isinstance(info.value, BenchmarkError)


def test_other_major_version_is_refused(make_record):
    record = make_record()
    record["schema_version"] = "2.0"
    with pytest.raises(UnsupportedSchemaError, match="2.0"):
        validate_record(record)
    record["schema_version"] = "1.7"
    validate_record(record)


@pytest.mark.parametrize("run_id", ["../../etc/passwd", "a/b/c/d/e", ".hidden-file"])
def test_run_id_must_be_a_safe_file_name(make_record, run_id):
    record = make_record()
    record["run_id"] = run_id
    assert any(p.startswith("run_id:") for p in record_problems(record))


@pytest.mark.parametrize("fraction", [0, 1.5, "half", True])
def test_train_fraction_must_be_in_range(make_record, fraction):
    record = make_record()
    record["budget"]["train_fraction"] = fraction
    assert "budget.train_fraction: must be a number in (0, 1]" in record_problems(record)


def test_not_an_object():
    assert record_problems([1, 2]) == ["(record): expected a JSON object, got list"]


def test_read_record_names_file_and_line(tmp_path, make_record):
    path = tmp_path / "r.json"
    path.write_text('{\n  "schema_version": "1.0",\n  oops\n}')
    with pytest.raises(InvalidRecordError, match="line 3"):
        read_record(path)
    path.write_text(json.dumps(make_record()))
    assert read_record(path)["method"] == "camtl"
