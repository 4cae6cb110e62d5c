"""A file at a run's record path is a finished run only if it is that run's valid record.

Anything else stops the command with exit 2, naming the file and the way out, before any
training, and leaves the file byte for byte as it was.
"""

from __future__ import annotations

import json

import pytest
from run_helpers import TINY_RUN, planned_ids

from benchmark.cli.main import main
from benchmark.runs.spec import identity_hash


@pytest.fixture(scope="module")
def finished(tmp_path_factory, tiny_backbone, data_dir) -> tuple[list[str], dict]:
    """The args of a tiny rte run and the real record it wrote."""
    output = tmp_path_factory.mktemp("finished")
    args = ["--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
            "--data-dir", str(data_dir), *TINY_RUN]
    assert main(["run", *args, "--output", str(output)]) == 0
    [path] = output.glob("*.json")
    return args, json.loads(path.read_text())


def _without(record: dict, *keys: str, **changes) -> dict:
    return {**{k: v for k, v in record.items() if k not in keys}, **changes}


BAD_FILES = {
    "not JSON": lambda r: '{"schema_version": "1.2", ',
    "empty object": lambda r: "{}",
    "bare string": lambda r: '"finished"',
    "schema 2.0": lambda r: json.dumps({**r, "schema_version": "2.0"}),
    "schema-invalid": lambda r: json.dumps(_without(r, "metrics")),
    "1.1 record without identity": lambda r: json.dumps(
        _without(r, "identity", "method_provenance", schema_version="1.1")),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_at_the_record_path_exits_2_and_is_untouched(
    case, finished, run_cli, tmp_path
):
    args, record = finished
    output = tmp_path / "results"
    [run_id] = planned_ids(run_cli([*args, "--output", str(output), "--dry-run"]))
    assert run_id == record["run_id"], "same inputs, same id"
    output.mkdir()
    path = output / f"{run_id}.json"
    path.write_text(BAD_FILES[case](record))
    before = path.read_bytes()

    for extra in ([], ["--dry-run"]):
        result = run_cli([*args, "--output", str(output), *extra])
        assert result.code == 2, result.out
        assert str(path) in result.err
        assert "--overwrite" in result.err and "move the file aside" in result.err.lower()
        assert "Traceback" not in result.err
        assert "tasks=rte (run" not in result.log, "nothing trains"
        assert path.read_bytes() == before
        assert sorted(p.name for p in output.iterdir()) == [path.name]


def test_another_runs_valid_record_at_the_path_is_refused(finished, run_cli, tmp_path):
    args, record = finished
    output = tmp_path / "results"
    seed13 = [a if a != "12" else "13" for a in args]
    [other_id] = planned_ids(run_cli([*seed13, "--output", str(output), "--dry-run"]))
    output.mkdir()
    path = output / f"{other_id}.json"
    path.write_text(json.dumps(record))  # the seed-12 record, copied under seed 13's id
    before = path.read_bytes()

    result = run_cli([*seed13, "--output", str(output)])
    assert result.code == 2
    assert str(path) in result.err and "--overwrite" in result.err
    assert path.read_bytes() == before


def test_overwrite_replaces_a_bad_file_with_the_run(finished, run_cli, tmp_path):
    args, record = finished
    output = tmp_path / "results"
    output.mkdir()
    path = output / f"{record['run_id']}.json"
    path.write_text("{}")

    result = run_cli([*args, "--output", str(output), "--overwrite"])
    assert result.code == 0, result.err
    written = json.loads(path.read_text())
    assert written["identity"] == record["identity"]
    assert identity_hash(written["identity"]) == written["run_id"] == record["run_id"]


def test_unchanged_rerun_is_skipped(finished, run_cli, tmp_path):
    args, record = finished
    output = tmp_path / "results"
    output.mkdir()
    path = output / f"{record['run_id']}.json"
    path.write_text(json.dumps(record, indent=2))
    before = path.read_bytes()

    result = run_cli([*args, "--output", str(output)])
    assert result.code == 0, result.err
    assert "0 run(s) trained, 1 already finished" in result.out
    assert path.read_bytes() == before
