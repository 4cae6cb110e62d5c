"""The documented plugin path: install the example package, list it, check it, run it, report it.

The plugin is pip-installed into a folder of its own (``pip install --target``) that the
CLI subprocesses get on PYTHONPATH, so the shared environment never sees it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import transformers

from benchmark.conformance import RULES
from benchmark.results.frame import load_results
from reports.html import render_report

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "bitfit_plugin"
LABEL = "BitFit (bias terms only)"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> str:
    """``pip install ./examples/bitfit_plugin`` into a target folder; returns that folder."""
    root = tmp_path_factory.mktemp("bitfit")
    source = shutil.copytree(EXAMPLE_PLUGIN, root / "source")  # builds leave the checkout alone
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "-q", "install", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(source)], check=True)
    return str(target)


def _cli(plugin_path: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [plugin_path, env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True,
                          text=True, timeout=900, env=env)


def test_installed_plugin_is_listed_with_its_origin(plugin_path):
    listing = _cli(plugin_path, "list", "methods")
    assert listing.returncode == 0, listing.stderr
    line = next(x for x in listing.stdout.splitlines() if x.startswith("bitfit"))
    assert "camtl-bench-bitfit" in line and "camtl_bench_bitfit:BitFit" in line
    assert any(x.startswith("camtl ") for x in listing.stdout.splitlines())


def test_installed_plugin_passes_check_method(plugin_path):
    done = _cli(plugin_path, "check-method", "bitfit")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[:-1] == [f"PASS  {name}" for name in ["loads", *(r.name for r in RULES)]]
    assert lines[-1] == f"bitfit: all {len(RULES) + 1} rules pass"


def test_plugin_record_names_its_release_and_the_report_labels_it(
    plugin_path, data_dir, tiny_backbone, tiny_budget_flags, tmp_path: Path
):
    done = _cli(plugin_path, "run", "--tasks", "rte,mrpc", "--methods", "bitfit",
                "--backbone", tiny_backbone, "--data-dir", str(data_dir),
                "--output", str(tmp_path), *tiny_budget_flags)
    assert done.returncode == 0, done.stderr[-2000:]
    (record_file,) = tmp_path.glob("*.json")
    record = json.loads(record_file.read_text())
    assert record["method"] == "bitfit"
    assert set(record["metrics"]) == {"rte", "mrpc"}
    assert record["parameters"]["trainable"] < record["parameters"]["frozen_shared"]
    assert record["method_label"] == LABEL and record["method_family"] == "multi-task"
    assert record["method_provenance"] == {
        "distribution": "camtl-bench-bitfit",
        "version": "0.1.0",
        "dependencies": {"transformers": transformers.__version__},
    }
    page = render_report(load_results([tmp_path]), figures=False)
    table = page[page.index("Method comparison"):page.index('id="provenance"')]
    assert f'<tr data-row="bitfit"><th scope="row">{LABEL} <code>bitfit</code></th>' in table
    footer = page[page.index('id="method-provenance"'):]
    start = footer.index(f"{LABEL} (<code>bitfit</code>)")
    row = footer[start:footer.index("</tr>", start)]
    assert "camtl-bench-bitfit 0.1.0" in row and "transformers" in row
    assert transformers.__version__ in row
