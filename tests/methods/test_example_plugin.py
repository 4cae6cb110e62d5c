"""The documented plugin path: install the example package, list it, run it via the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "bitfit_plugin"

pytestmark = pytest.mark.slow


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True)


@pytest.fixture(scope="module")
def installed_plugin():
    _pip("install", "--no-deps", "--no-build-isolation", str(EXAMPLE_PLUGIN))
    yield
    _pip("uninstall", "-y", "camtl-bench-bitfit")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmark", *args], capture_output=True, text=True, timeout=900
    )


def test_installed_plugin_is_listed_with_its_origin(installed_plugin):
    listing = _cli("list", "methods")
    assert listing.returncode == 0, listing.stderr
    line = next(x for x in listing.stdout.splitlines() if x.startswith("bitfit"))
    assert "camtl-bench-bitfit" in line and "camtl_bench_bitfit:BitFit" in line
    assert any(x.startswith("camtl ") for x in listing.stdout.splitlines())


def test_installed_plugin_runs_through_the_cli(
    installed_plugin, data_dir, tiny_backbone, tiny_budget_flags, tmp_path: Path
):
    done = _cli(
        "run",
        "--tasks",
        "rte,mrpc",
        "--methods",
        "bitfit",
        "--backbone",
        tiny_backbone,
        "--data-dir",
        str(data_dir),
        "--output",
        str(tmp_path),
        *tiny_budget_flags,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (record_file,) = tmp_path.glob("*.json")
    record = json.loads(record_file.read_text())
    assert record["method"] == "bitfit"
    assert set(record["metrics"]) == {"rte", "mrpc"}
    assert record["parameters"]["trainable"] < record["parameters"]["frozen_shared"]
