"""Runs of both precisions in one process, in either order, each in its own precision.

accelerate keeps one process-wide state, and an ``Accelerator`` per run let the first run
of a process fix the precision of every later one (a bf16 run after an fp32 run crashed).
These tests run fp32 and bf16 on any machine (bf16 is emulated and slow on CPUs without
bf16 units, hence the tiny random BERT and a handful of steps).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

from baselines.mtl import StandardMultiTask
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.tasks.registry import get_task
from benchmark.training.config import TrainConfig
from benchmark.training.evaluate import EvalSet
from benchmark.training.heads import MultiTaskModel
from benchmark.training.loop import train_and_evaluate

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


@pytest.fixture(scope="module")
def rte(data_dir, minilm_tokenizer):
    task = get_task("rte")
    train = load_split(task, "train", data_dir)[:32]
    dev = load_split(task, "dev", data_dir)[:16]
    return (
        task,
        tokenize_examples(train, task, minilm_tokenizer, 32, None),
        EvalSet(0, task, "dev", dev, tokenize_examples(dev, task, minilm_tokenizer, 32, None)),
    )


def _train(precision: str, tiny_backbone: str, rte, pad_id: int):
    """One 4-step run; returns its outcome and the dtypes every linear layer produced."""
    task, train, dev = rte
    torch.manual_seed(0)
    model = MultiTaskModel(StandardMultiTask().build_encoder(tiny_backbone, [task], {}, 32), [task])
    produced: set[torch.dtype] = set()
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.register_forward_hook(lambda _m, _i, out: produced.add(out.dtype))
    cfg = TrainConfig(
        epochs=1, batch_size=8, eval_batch_size=16, learning_rate=1e-4, max_length=32,
        precision=precision, progress=False, model_selection="last",
    )  # fmt: skip
    outcome = train_and_evaluate(model, [train], [dev], cfg, "proportional", 1, pad_id)
    return outcome, produced


def test_fp32_bf16_fp32_in_one_process(tiny_backbone, rte, minilm_tokenizer):
    pad_id = minilm_tokenizer.pad_token_id
    runs = [_train(p, tiny_backbone, rte, pad_id) for p in ("fp32", "bf16", "fp32")]
    for (_, produced), precision in zip(runs, ("fp32", "bf16", "fp32"), strict=True):
        assert produced == {DTYPES[precision]}, precision  # training and evaluation alike
    (first, _), (bf16, _), (again, _) = runs
    assert first.steps == bf16.steps == again.steps == 4
    # the bf16 run left nothing behind: the later fp32 run is the first one, number for number
    assert again.history == first.history
    assert again.metrics == first.metrics
    # and bf16 really computed in bf16
    assert bf16.history[0]["train_loss"] != first.history[0]["train_loss"]


FRESH_PROCESS = textwrap.dedent(
    """
    import sys
    from benchmark.cli.main import main

    output, flags = sys.argv[1], sys.argv[2:]
    for number, precision in enumerate(("{first}", "{second}")):
        code = main([*flags, "--output", f"{{output}}/{{number}}", "--precision", precision])
        if code:
            sys.exit(code)
    """
)


def _fresh_process(first: str, second: str, output, data_dir, backbone, budget) -> list[dict]:
    """Two `run`s of the given precisions in one new process; their records, in order."""
    flags = [
        "run", "--tasks", "rte", "--methods", "mtl", "--seeds", "1", "--backbone", backbone,
        "--data-dir", str(data_dir), *budget,
    ]  # fmt: skip
    script = FRESH_PROCESS.format(first=first, second=second)
    done = subprocess.run(
        [sys.executable, "-c", script, str(output), *flags],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    records = []
    for number in (0, 1):
        (path,) = (output / str(number)).glob("*.json")
        records.append(json.loads(path.read_text()))
    return records


def test_either_precision_first_in_a_new_process(
    tmp_path, data_dir, tiny_backbone, tiny_budget_flags
):
    """The first run of a process used to fix accelerate's precision for the process."""
    args = (data_dir, tiny_backbone, tiny_budget_flags)
    fp32_first = _fresh_process("fp32", "bf16", tmp_path / "a", *args)
    bf16_first = _fresh_process("bf16", "fp32", tmp_path / "b", *args)
    assert [r["training"]["precision"] for r in fp32_first] == ["fp32", "bf16"]
    assert [r["training"]["precision"] for r in bf16_first] == ["bf16", "fp32"]
    # a run's numbers depend on its own precision, not on what the process ran before it
    for ours, theirs in ((fp32_first[0], bf16_first[1]), (fp32_first[1], bf16_first[0])):
        assert ours["run_id"] == theirs["run_id"]
        assert ours["history"] == theirs["history"]
        assert ours["metrics"] == theirs["metrics"]
    assert fp32_first[0]["history"] != fp32_first[1]["history"]


def test_accelerate_set_up_with_a_precision_by_other_code_is_refused_clearly():
    script = textwrap.dedent(
        """
        from accelerate import Accelerator
        from benchmark.errors import TrainingError
        from benchmark.training.loop import process_accelerator

        Accelerator(mixed_precision="bf16", cpu=True)
        try:
            process_accelerator()
        except TrainingError as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "accelerate was already set up in this process by other code" in done.stdout
    assert "create no Accelerator with mixed_precision before training" in done.stdout
