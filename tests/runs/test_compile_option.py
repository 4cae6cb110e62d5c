"""`--compile` (torch.compile of the encoder) trains the run as eager does, records that it
compiled, and is a run of its own id. The losses differ by more than rounding: compiled
kernels draw dropout masks from their own generator (measured: 0.694 vs 0.702 after two
steps); tests/training/test_device.py checks the compiled function itself."""

from __future__ import annotations

import json

import pytest
from run_helpers import TINY_RUN


def _record(output) -> dict:
    [path] = output.glob("*.json")
    return json.loads(path.read_text())


@pytest.mark.slow
def test_compiled_run_matches_the_eager_run(run_cli, data_dir, tiny_backbone, tmp_path):
    args = ["--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
            "--data-dir", str(data_dir), *TINY_RUN]
    eager = run_cli([*args, "--output", str(tmp_path / "eager")])
    compiled = run_cli([*args, "--output", str(tmp_path / "compiled"), "--compile"])
    assert eager.code == 0 and compiled.code == 0, compiled.err
    eager_record, compiled_record = _record(tmp_path / "eager"), _record(tmp_path / "compiled")
    assert compiled_record["run_id"] != eager_record["run_id"]
    assert compiled_record["identity"]["train"]["compile"] is True
    assert "compile" not in eager_record["identity"]["train"]
    eager_loss = eager_record["history"][-1]["train_loss"]
    compiled_loss = compiled_record["history"][-1]["train_loss"]
    assert compiled_loss == pytest.approx(eager_loss, rel=0.05)
    assert compiled_record["training"]["task_schedule"] == eager_record["training"]["task_schedule"]
    assert compiled_record["metrics"]["rte"]["accuracy"] == pytest.approx(
        eager_record["metrics"]["rte"]["accuracy"], abs=1 / 8 + 1e-9)  # one of 8 may flip
