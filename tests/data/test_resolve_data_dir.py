"""Data folder resolution: --data-dir, $CAMTL_BENCH_DATA, ./data, ../shared/data, Hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.data import loading
from benchmark.data.loading import resolve_data_dir
from benchmark.errors import MissingDataError


@pytest.fixture
def isolated(monkeypatch, tmp_path: Path) -> Path:
    work = tmp_path / "work" / "repo"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.delenv("CAMTL_BENCH_DATA", raising=False)
    monkeypatch.setattr(loading, "REPO_ROOT", tmp_path / "elsewhere" / "repo")
    return work


def test_cli_value_wins_over_environment(isolated, monkeypatch, tmp_path) -> None:
    cli, env = tmp_path / "cli", tmp_path / "env"
    cli.mkdir(), env.mkdir()
    monkeypatch.setenv("CAMTL_BENCH_DATA", str(env))
    assert resolve_data_dir(str(cli)) == cli.resolve()
    assert resolve_data_dir(None) == env.resolve()


def test_missing_explicit_folder_is_an_error(isolated, monkeypatch, tmp_path) -> None:
    with pytest.raises(MissingDataError, match="from --data-dir"):
        resolve_data_dir(str(tmp_path / "nope"))
    monkeypatch.setenv("CAMTL_BENCH_DATA", str(tmp_path / "nope"))
    with pytest.raises(MissingDataError, match="from CAMTL_BENCH_DATA"):
        resolve_data_dir(None)


def test_defaults_then_hub(isolated, tmp_path) -> None:
    assert resolve_data_dir(None) is None  # nothing found: the Hub
    shared = tmp_path / "work" / "shared" / "data"
    shared.mkdir(parents=True)
    assert resolve_data_dir(None) == shared.resolve()  # ../shared/data beside cwd
    (isolated / "data").mkdir()
    assert resolve_data_dir(None) == (isolated / "data").resolve()  # ./data first
