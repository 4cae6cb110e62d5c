"""The report, tables, leaderboard and submit verbs, through `python -m benchmark`'s main."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmark.cli.main import main
from benchmark.errors import USER_ERROR_EXIT_CODE


@pytest.fixture
def results(tmp_path, synthetic_records, write_records):
    return write_records(tmp_path / "results", synthetic_records)


def test_report(tmp_path, results, capsys):
    out = tmp_path / "out" / "report.html"
    assert main(["report", "--results", str(results), "--out", str(out), "--no-figures"]) == 0
    page = out.read_text()
    assert "Method comparison" in page and "provenance" in page
    assert "wrote" in capsys.readouterr().out


def test_report_strict_and_empty(tmp_path, results, capsys):
    (results / "junk.json").write_text("{")
    out = str(tmp_path / "r.html")
    assert main(["report", "--results", str(results), "--out", out, "--no-figures"]) == 0
    assert "warning:" in capsys.readouterr().err
    code = main(["report", "--results", str(results), "--out", out, "--strict"])
    assert code == USER_ERROR_EXIT_CODE
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", "--results", str(empty), "--out", out]) == USER_ERROR_EXIT_CODE
    assert "no valid result records" in capsys.readouterr().err


def test_tables(tmp_path, results, capsys):
    out = tmp_path / "tables"
    assert main(["tables", "--results", str(results), "--out", str(out), "--format", "md"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["comparison-glue-0.md", "suites-0.md"]
    capsys.readouterr()
    assert main(["tables", "--results", str(results), "--stdout"]) == 0
    assert "| CA-MTL |" in capsys.readouterr().out


def test_leaderboard_over_two_folders(tmp_path, results, make_record, write_records):
    other = write_records(tmp_path / "other", [make_record("houlsby", 1)])
    out = tmp_path / "lb.html"
    args = ["leaderboard", "--results", str(results), "--results", str(other), "--out", str(out)]
    assert main(args) == 0
    page = out.read_text()
    assert "Houlsby adapters" in page and "CA-MTL" in page


def _write(path, record):
    path.write_text(json.dumps(record, indent=1))
    return str(path)


def test_submit_validates_then_copies(tmp_path, make_record, capsys):
    record = make_record()
    source = _write(tmp_path / "mine.json", record)
    dest_dir = tmp_path / "results"
    assert main(["submit", source, "--results", str(dest_dir)]) == 0
    dest = dest_dir / f"{record['run_id']}.json"
    assert dest.read_bytes() == (tmp_path / "mine.json").read_bytes()  # copied as is
    assert main(["submit", source, "--results", str(dest_dir)]) == 0  # identical: no-op
    assert "unchanged" in capsys.readouterr().out


def test_submit_refuses_to_clobber(tmp_path, make_record, capsys):
    record = make_record()
    dest_dir = tmp_path / "results"
    dest_dir.mkdir()
    existing = _write(dest_dir / f"{record['run_id']}.json", record)
    before = (dest_dir / f"{record['run_id']}.json").read_bytes()
    changed = dict(record, training={**record["training"], "wall_time_s": 99.0})
    source = _write(tmp_path / "changed.json", changed)
    assert main(["submit", source, "--results", str(dest_dir)]) == USER_ERROR_EXIT_CODE
    assert "--overwrite" in capsys.readouterr().err
    assert (dest_dir / f"{record['run_id']}.json").read_bytes() == before
    assert main(["submit", source, "--results", str(dest_dir), "--overwrite"]) == 0
    assert json.loads(open(existing).read())["training"]["wall_time_s"] == 99.0
    assert [p.name for p in dest_dir.iterdir()] == [f"{record['run_id']}.json"]  # no temp left


def test_submit_invalid_batch_copies_nothing(tmp_path, make_record, capsys):
    good = _write(tmp_path / "good.json", make_record())
    broken = make_record(seed=2)
    del broken["manifest"]
    bad = _write(tmp_path / "bad.json", broken)
    dest_dir = tmp_path / "results"
    assert main(["submit", good, bad, "--results", str(dest_dir)]) == USER_ERROR_EXIT_CODE
    err = capsys.readouterr().err
    assert "bad.json" in err and "manifest: required field is missing" in err
    assert not dest_dir.exists() or not any(dest_dir.iterdir())


def test_submit_check_only(tmp_path, make_record, capsys):
    source = _write(tmp_path / "mine.json", make_record())
    assert main(["submit", "--check", source, "--results", str(tmp_path / "r")]) == 0
    assert "valid" in capsys.readouterr().out and not (tmp_path / "r").exists()


def test_submit_copies_the_prediction_file_and_refuses_a_missing_one(
        tmp_path, make_record, with_predictions, write_records, capsys):
    """The per-example predictions travel with their record (checked against its sha256);
    a record whose file is missing or edited is refused with the way out."""
    gold = np.array([0, 1, 1, 0, 1])
    record = with_predictions(make_record(), {"rte": (gold, gold), "mrpc": (1 - gold, gold)})
    mine = write_records(tmp_path / "mine", [record])
    source = str(mine / f"{record['run_id']}.json")
    prediction_file = mine / record["example_predictions"]["file"]
    dest_dir = tmp_path / "results"
    assert main(["submit", source, "--results", str(dest_dir)]) == 0
    copied = dest_dir / prediction_file.name
    assert copied.read_bytes() == prediction_file.read_bytes()
    prediction_file.write_bytes(prediction_file.read_bytes() + b"x")
    other = tmp_path / "other"
    assert main(["submit", source, "--results", str(other)]) == USER_ERROR_EXIT_CODE
    assert "sha256" in capsys.readouterr().err and not other.exists()
    prediction_file.unlink()
    assert main(["submit", source, "--results", str(other)]) == USER_ERROR_EXIT_CODE
    assert "missing" in capsys.readouterr().err and not other.exists()
