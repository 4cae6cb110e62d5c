"""Every bad input: a clear message naming the problem, exit code 2, earlier results untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmark.cli.main import main


@pytest.fixture
def results(tmp_path) -> Path:
    """A results folder holding one earlier record that no failure may touch."""
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "0123456789abcdef.json").write_text('{"earlier": "record"}\n')
    return folder


@pytest.fixture
def rte_copy(tmp_path, data_dir) -> Path:
    """A private copy of the RTE folder to break in various ways."""
    root = tmp_path / "data"
    shutil.copytree(data_dir / "glue_data" / "RTE", root / "glue_data" / "RTE")
    return root


def _rte_run(data: Path, budget: list[str]) -> list[str]:
    return ["--tasks", "rte", "--data-dir", str(data), "--methods", "mtl", *budget]


def _run(args, results, capsys) -> tuple[int, str]:
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    code = main(["run", "--output", str(results), *args])
    after = {p.name: p.read_bytes() for p in results.iterdir()}
    assert after == before, "a failed run must leave the results folder as it was"
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--suite", "glu"], "unknown suite 'glu'. Did you mean 'glue'"),
        (["--tasks", "sst-2"], "Did you mean 'sst2'"),
        (["--tasks", "rte", "--methods", "camtll"], "Did you mean 'camtl'"),
        (["--tasks", "rte", "--methods", "mtl", "--sampler", "uniformm"], "Did you mean 'uniform'"),
        (
            ["--tasks", "rte", "--methods", "mtl", "--profile", "smoke", "--train-fraction", "2"],
            "train_fraction must be in (0, 1]",
        ),
        (["--tasks", "rte", "--methods", "mtl", "--batch-size", "0"], "batch sizes must be >= 1"),
        (
            ["--tasks", "rte", "--methods", "mtl", "--method-option", "mtl.dropout=0.2"],
            "has no option 'dropout'",
        ),
    ],
)
def test_unknown_names_and_impossible_configs(args, expected, results, capsys, data_dir):
    code, err = _run([*args, "--data-dir", str(data_dir)], results, capsys)
    assert code == 2
    assert expected in err


def test_suite_with_missing_tasks_lists_them_all_and_where_it_looked(results, capsys, data_dir):
    code, err = _run(["--suite", "glue", "--data-dir", str(data_dir), "--dry-run"], results, capsys)
    assert code == 2
    for task in ("mnli", "qqp", "qnli"):
        assert f"{task} train" in err
    assert str(data_dir.resolve() / "glue_data" / "MNLI") in err
    assert "--skip-unavailable" in err


def test_missing_split(tiny_budget_flags, results, capsys, rte_copy):
    (rte_copy / "glue_data" / "RTE" / "dev.tsv").unlink()
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert "rte dev" in err and "dev.tsv" in err


def test_malformed_tsv_line_names_file_and_line(tiny_budget_flags, results, capsys, rte_copy):
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = "5\tonly two columns\n"
    train.write_text("".join(lines), encoding="utf-8")
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert f"{train}:6" in err


def test_label_outside_the_label_set(tiny_budget_flags, results, capsys, rte_copy):
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[3].rstrip("\n").split("\t")
    lines[3] = "\t".join([*fields[:-1], "maybe"]) + "\n"
    train.write_text("".join(lines), encoding="utf-8")
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert "maybe" in err and f"{train}:4" in err


def test_empty_training_set(tiny_budget_flags, results, capsys, rte_copy):
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    train.write_text(
        train.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8"
    )
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert "empty training set" in err or "no examples" in err


def test_nan_loss_stops_with_advice(tiny_budget_flags, results, capsys, data_dir, tiny_backbone):
    code, err = _run(
        [
            "--tasks",
            "stsb",
            "--data-dir",
            str(data_dir),
            "--backbone",
            tiny_backbone,
            "--methods",
            "mtl",
            *tiny_budget_flags,
            "--learning-rate",
            "1e12",
            "--precision",
            "fp32",
            "--max-train-samples",
            "64",
        ],
        results,
        capsys,
    )
    assert code == 2
    assert "loss became" in err and "lower --learning-rate" in err
