"""Run the real `run` command in-process, as a fresh process would see the task registry."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from run_helpers import Outcome, write_user_task

from benchmark.cli.main import main
from benchmark.tasks import registry


@pytest.fixture
def cli(monkeypatch, capsys, caplog) -> Callable[[list[str]], Outcome]:
    """`python -m benchmark ARGS` in-process; user tasks register afresh on every call."""
    registry.get_task("rte")  # built-ins loaded once, then copied per call
    builtins = (dict(registry._TASKS), dict(registry._SUITES), dict(registry._DIAGNOSTICS))
    caplog.set_level(logging.INFO)

    def run(args: list[str]) -> Outcome:
        for name, saved in zip(("_TASKS", "_SUITES", "_DIAGNOSTICS"), builtins, strict=True):
            monkeypatch.setattr(registry, name, dict(saved))
        caplog.clear()
        code = main(args)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, caplog.text)

    return run


@pytest.fixture
def run_cli(cli) -> Callable[[list[str]], Outcome]:
    """`python -m benchmark run ARGS` in-process (``cli`` with the verb filled in)."""
    return lambda args: cli(["run", *args])


@pytest.fixture
def own_backbone(tmp_path, tiny_backbone) -> Path:
    """A private copy of the tiny backbone whose weights a test may swap."""
    folder = tmp_path / "backbone"
    shutil.copytree(tiny_backbone, folder)
    return folder


@pytest.fixture
def user_task(tmp_path) -> Path:
    """A two-class user task (train and dev tsv) declared in its own YAML file."""
    folder = tmp_path / "user_task"
    folder.mkdir()
    rows = [("the battery lasts for days", "great value", "pos"),
            ("it broke after one week", "poor build", "neg")] * 6
    header = "review\tsummary\tlabel\n"
    (folder / "train.tsv").write_text(header + "".join("\t".join(r) + "\n" for r in rows))
    (folder / "dev.tsv").write_text(header + "".join("\t".join(r) + "\n" for r in rows[:4]))
    return write_user_task(folder, text_fields="[review]", labels="[neg, pos]")
