"""Record validation: every problem named by its field, other versions refused, ids verified."""

from __future__ import annotations

import json

import pytest

from benchmark.errors import BenchmarkError
from benchmark.results.schema import SCHEMA_VERSION
from benchmark.results.validate import (
    InvalidRecordError,
    UnsupportedSchemaError,
    check_record,
    read_record,
    record_problems,
    validate_record,
)
from benchmark.runs.spec import identity_hash


def test_a_built_record_is_valid(make_record):
    validate_record(make_record())
    assert record_problems(make_record(train_fraction=0.25)) == []
    assert check_record(make_record()).notes == []


def test_legacy_record_is_valid_but_labelled(make_record):
    check = check_record(make_record(legacy=True))
    assert check.problems == []
    assert check.notes == ["legacy record (schema 1.0, no identity): run id not verifiable"]


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
    record["schema_version"] = "1.99"
    assert record_problems(record) == [
        f"schema_version: 1.99 is newer than this camtl-bench reads (1.0 to {SCHEMA_VERSION}); "
        "upgrade camtl-bench"]


def test_current_record_without_identity_is_refused(make_record):
    record = make_record()
    del record["identity"]
    assert record_problems(record) == [
        "identity: required from schema 1.2 on (run_id is its hash)"]


def test_run_id_is_the_hash_of_the_identity(make_record):
    record = make_record()
    record["identity"]["seed"] = 99
    assert record_problems(record) == [
        "identity.seed: 99 but the record says 1",
        f"run_id: {record['run_id']} is not the hash of the record's identity "
        f"({identity_hash(record['identity'])}); the record or its id was changed after the run",
    ]


def test_a_long_run_id_is_shown_short(make_record):
    record = make_record()
    record["run_id"] = "a" * 300
    [problem] = record_problems(record)
    assert problem.startswith("run_id: 'aaaa") and "(300 characters) does not match" in problem
    assert len(problem) < 160 and "16 hex digits" in problem


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
    reading = read_record(path)
    assert reading.record is None and reading.source == str(path)
    assert reading.problems == ["(file): invalid JSON at line 3, column 3: Expecting property "
                                "name enclosed in double quotes"]
    path.write_text(json.dumps(make_record()))
    reading = read_record(path)
    assert reading.record["method"] == "camtl" and reading.problems == []
    assert reading.raw == path.read_bytes()


def test_read_record_refuses_repeated_keys(tmp_path, make_record):
    text = json.dumps(make_record(), indent=1)
    path = tmp_path / "r.json"
    path.write_text(text.replace('"seed": 1,', '"seed": 1, "seed": 1,', 1))  # same value too
    reading = read_record(path)
    assert reading.record is None
    assert reading.problems == ["(file): key 'seed' appears more than once in one object; a "
                                "record names each field once"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_read_record_refuses_non_finite_numbers(tmp_path, make_record, literal):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(make_record()).replace('"rte": 70.0', f'"rte": {literal}', 1))
    reading = read_record(path)
    assert reading.record is None
    value = float(literal)
    assert reading.problems == [f"main_scores.rte: {value} is not a finite number"]


def test_read_record_of_a_missing_file(tmp_path):
    reading = read_record(tmp_path / "nope.json")
    assert reading.record is None and reading.problems[0].startswith("(file): cannot read")


def test_validate_record_raises_with_every_problem(make_record):
    record = make_record()
    record["main_scores"]["rte"] = 1000.0
    with pytest.raises(InvalidRecordError) as info:
        validate_record(record, "run.json")
    assert info.value.problems == record_problems(record) and len(info.value.problems) == 1


def test_read_record_refuses_absurd_integers(tmp_path, make_record):
    path = tmp_path / "r.json"
    text = json.dumps(make_record())
    path.write_text(text.replace('"seed": 1', f'"seed": {10**30}', 1))
    assert read_record(path).problems == [
        "seed: an integer of 100 bits is too large for any count in a record"]
    path.write_text(text.replace('"seed": 1', '"seed": 1' + "0" * 5000, 1))
    [problem] = read_record(path).problems
    assert problem.startswith("(file): not a result record: Exceeds the limit (4300 digits)")
