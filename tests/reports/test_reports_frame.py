"""Results folder -> runs frame: invalid files flagged, duplicates and repeated seeds handled."""

from __future__ import annotations

import json

import pytest

from benchmark.errors import BenchmarkError
from benchmark.results.frame import SCORE_PREFIX, build_result_set, load_results
from benchmark.results.validate import UnsupportedSchemaError


def test_load_flags_invalid_files_and_keeps_the_rest(tmp_path, make_record, write_records):
    folder = write_records(tmp_path / "results", [make_record(seed=1), make_record(seed=2)])
    (folder / "broken.json").write_text("{not json")
    bad = make_record(seed=3)
    del bad["parameters"]
    (folder / "nested").mkdir()
    (folder / "nested" / "bad.json").write_text(json.dumps(bad))
    (folder / ".partial.json.tmp").write_text("{")
    result = load_results([folder])
    assert sorted(result.frame["seed"]) == [1, 2]
    sources = {p.source.rsplit("/", 1)[-1]: p.message for p in result.problems}
    assert set(sources) == {"broken.json", "bad.json"}
    assert "invalid JSON at line 1" in sources["broken.json"]
    assert "parameters: required field is missing" in sources["bad.json"]
    assert result.sources == [str(folder)]


def test_unknown_major_version_stops_the_load(tmp_path, make_record, write_records):
    record = make_record()
    record["schema_version"] = "2.0"
    folder = write_records(tmp_path / "results", [record])
    with pytest.raises(UnsupportedSchemaError, match="Upgrade camtl-bench"):
        load_results([folder])


def test_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(BenchmarkError, match="does not exist"):
        load_results([tmp_path / "nope"])


def test_frame_columns(make_record):
    frame = build_result_set([make_record(scores={"rte": 71.0, "mrpc": None})]).frame
    row = frame.iloc[0]
    assert row[SCORE_PREFIX + "rte"] == 71.0
    assert row[SCORE_PREFIX + "mrpc"] != row[SCORE_PREFIX + "mrpc"]  # NaN
    assert row["train_fraction"] == 1.0
    assert row["data_ratio"] == pytest.approx(0.66)
    assert row["variant"] == "camtl"
    assert row["tasks"] == ("rte", "mrpc")


def test_default_fraction_groups_with_explicit_one(make_record):
    frame = build_result_set([make_record(seed=1), make_record(seed=2, train_fraction=1.0)]).frame
    assert frame["budget_key"].nunique() == 1


def test_same_run_in_two_folders_counts_once(tmp_path, make_record, write_records):
    record = make_record()
    a = write_records(tmp_path / "a", [record])
    b = write_records(tmp_path / "b", [record])
    changed = dict(record, training={**record["training"], "wall_time_s": 99.0})
    c = write_records(tmp_path / "c", [changed])
    result = load_results([a, b, c])
    assert len(result.frame) == 1
    assert len(result.problems) == 1 and "different content" in result.problems[0].message


def test_repeated_seed_keeps_the_newest_run(make_record):
    old = make_record(seed=1, created="2025-01-01T00:00:00+00:00")
    new = make_record(seed=1, created="2025-02-01T00:00:00+00:00")
    new["run_id"] = "fedcba9876543210"
    result = build_result_set([old, new])
    assert list(result.frame["run_id"]) == ["fedcba9876543210"]
    assert set(result.records) == {"fedcba9876543210"}
    assert "repeats seed 1" in result.problems[0].message


def test_two_option_sets_are_two_variants(make_record):
    a, b = make_record(seed=1), make_record(seed=1)
    b["method_options"] = {"bottleneck": 32}
    b["run_id"] = "0000111122223333"
    frame = build_result_set([a, b]).frame
    assert frame["variant"].nunique() == 2
    assert all(v.startswith("camtl#") for v in frame["variant"])
