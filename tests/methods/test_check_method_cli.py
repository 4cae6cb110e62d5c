"""`python -m benchmark check-method`: one line per rule, exit 0/1, and 2 for input mistakes."""

from __future__ import annotations

import os
import subprocess
import sys

from benchmark.conformance import RULES


def _check(*args: str, pythonpath: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "benchmark", "check-method", *args],
                          capture_output=True, text=True, timeout=900, env=env)


def test_broken_method_fails_with_exit_1_naming_the_rule(broken_plugin_path):
    done = _check("broken-shape", pythonpath=broken_plugin_path)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == len(RULES) + 2  # 'loads', every rule, the verdict
    assert lines[0] == "PASS  loads"
    assert "FAIL  forward-shape: pooled (with all_positions) has shape [12, " in done.stdout
    assert "SKIP  learns: needs forward-shape" in lines
    assert lines[-1] == f"broken-shape: 1 of {len(RULES) + 1} rules fail: forward-shape"
    assert "Traceback" not in done.stderr


def test_unknown_method_is_an_input_error(broken_plugin_path):
    done = _check("broken-shap", pythonpath=broken_plugin_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "unknown method 'broken-shap'. Did you mean 'broken-shape'" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_backbone_is_an_input_error(tmp_path):
    done = _check("mtl", "--backbone", str(tmp_path / "no-such-checkpoint"))
    assert done.returncode == 2
    assert "cannot load a tokenizer for backbone" in done.stderr
    assert "leave --backbone out" in done.stderr and "Traceback" not in done.stderr
