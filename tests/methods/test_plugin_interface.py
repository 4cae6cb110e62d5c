"""A plugin written for interface 1 (forward returning the pooled tensor) is refused by name.

Before anything trains: when the harness builds its encoder (``checked_encoder``, what a run
calls), through ``python -m benchmark run`` (exit 2, no record), and in the conformance battery
(see test_broken_methods.py). A forward that takes the flag but still returns a tensor is
refused at its first call, naming the encoder and what to return.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from baselines.bert_encoder import PlainBertEncoder, load_backbone
from benchmark.errors import BenchmarkError
from benchmark.methods import INTERFACE_VERSION, checked_encoder
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel

NAME = "broken-old-interface"


def test_building_an_interface_one_encoder_names_the_method_and_the_fix(
    broken_plugin_registered, tiny_backbone
):
    method = get_method(NAME)
    with pytest.raises(BenchmarkError) as caught:
        checked_encoder(method, tiny_backbone, [get_task("sst2")], {}, 32)
    message = str(caught.value)
    assert message.startswith(f"method {NAME!r}: encoder InterfaceOneEncoder has no "
                              "all_positions argument (plugin interface 1)")
    assert f"camtl-bench implements interface {INTERFACE_VERSION}: " in message
    for fix in ("all_positions=False) returns benchmark.methods.EncoderOutput(tokens=",
                "EncoderOutput(out.last_hidden_state, out.pooler_output)", "docs/plugins.md"):
        assert fix in message


def test_run_stops_with_exit_2_before_training(
    broken_plugin_path, tiny_backbone, data_dir, tiny_budget_flags, tmp_path
):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [broken_plugin_path, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", "run", "--tasks", "rte", "--methods", NAME,
         "--backbone", tiny_backbone, "--data-dir", str(data_dir), "--output", str(tmp_path),
         *tiny_budget_flags],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"method {NAME!r}: encoder InterfaceOneEncoder has no all_positions" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.json"))  # nothing trained, no record


class _FlagButTensor(PlainBertEncoder):
    """Takes the flag but still returns the pooled tensor."""

    def forward(self, input_ids, attention_mask, token_type_ids, task_ids, all_positions=False):
        return super().forward(input_ids, attention_mask, token_type_ids, task_ids).pooled


def test_a_tensor_returned_by_forward_is_refused_naming_the_encoder(tiny_backbone):
    task = get_task("sst2")
    model = MultiTaskModel(_FlagButTensor(load_backbone(tiny_backbone)), [task])
    ids = torch.tensor([[101, 2307, 102]])
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
             "token_type_ids": torch.zeros_like(ids), "task_ids": torch.tensor([0])}
    with pytest.raises(BenchmarkError, match="encoder _FlagButTensor returned a Tensor, not an "
                                             "EncoderOutput"):
        model(batch)
