"""Harness speed, measured side by side in one run (pytest-benchmark):

- training throughput with dynamic, length-grouped padding vs padding to 128 tokens
  on real SST-2, MRPC and RTE batches (target: >= 2x examples/s);
- fp32 vs bf16 autocast training steps (the `precision: auto` rule's evidence);
- tokenization of a split from cache vs from scratch (the cache's saving);
- the smoke profile of every method end to end (target: <= 10 minutes).

Run: python -m pytest tests/benchmarks/test_harness_speed.py -o addopts="" --benchmark-only
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoTokenizer

from baselines.mtl import StandardMultiTask
from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.runs.settings import cpu_supports_bf16
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel, multitask_loss
from benchmark.training.samplers import SamplerContext, make_sampler
from camtl.backbones import DEFAULT_BACKBONE, resolve_backbone

TASKS = ("sst2", "mrpc", "rte")
MEDIANS: dict[str, float] = {}
EXAMPLES_PER_ROUND: dict[str, int] = {}


@pytest.fixture(scope="module")
def setup(data_dir):
    tokenizer = AutoTokenizer.from_pretrained(resolve_backbone(DEFAULT_BACKBONE))
    tasks = [get_task(t) for t in TASKS]
    features = [
        tokenize_examples(load_split(t, "train", data_dir)[:2000], t, tokenizer, 128, None)
        for t in tasks
    ]
    sampler = make_sampler(
        "uniform",
        SamplerContext(lengths=[[f.length for f in fs] for fs in features], batch_size=32, seed=0),
    )
    batches = []
    for batch in sampler.epoch():
        batches.append(collate([(t, features[t][i]) for t, i in batch], tokenizer.pad_token_id))
        if len(batches) == 6:
            break
    torch.manual_seed(0)
    encoder = StandardMultiTask().build_encoder(DEFAULT_BACKBONE, tasks, {}, 128)
    model = MultiTaskModel(encoder, tasks).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    return model, optimizer, batches, tokenizer.pad_token_id


def _pad_to(batch: dict, length: int, pad_id: int) -> dict:
    extra = length - batch["input_ids"].shape[1]
    padded = dict(batch)
    padded["input_ids"] = F.pad(batch["input_ids"], (0, extra), value=pad_id)
    padded["attention_mask"] = F.pad(batch["attention_mask"], (0, extra))
    padded["token_type_ids"] = F.pad(batch["token_type_ids"], (0, extra))
    return padded


def _train_steps(model, optimizer, batches, precision):
    for batch in batches:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = multitask_loss(model(batch), batch, model.tasks)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


def _record(name, benchmark, examples):
    MEDIANS[name] = benchmark.stats.stats.median
    EXAMPLES_PER_ROUND[name] = examples


@pytest.mark.benchmark(group="padding")
@pytest.mark.parametrize("padding", ["dynamic", "pad128"])
def test_training_throughput_by_padding(benchmark, setup, padding):
    model, optimizer, batches, pad_id = setup
    if padding == "pad128":
        batches = [_pad_to(b, 128, pad_id) for b in batches]
    benchmark.pedantic(
        _train_steps,
        args=(model, optimizer, batches, "bf16" if cpu_supports_bf16() else "fp32"),
        rounds=5,
        warmup_rounds=1,
    )
    examples = sum(len(b["labels"]) for b in batches)
    _record(padding, benchmark, examples)
    benchmark.extra_info["examples_per_s"] = examples / benchmark.stats.stats.median


@pytest.mark.benchmark(group="precision")
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_training_step_by_precision(benchmark, setup, precision):
    model, optimizer, batches, _ = setup
    benchmark.pedantic(
        _train_steps, args=(model, optimizer, batches[:3], precision), rounds=5, warmup_rounds=1
    )
    _record(precision, benchmark, 0)


@pytest.mark.benchmark(group="tokenization")
@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_tokenization_cache(benchmark, data_dir, tmp_path_factory, cache):
    tokenizer = AutoTokenizer.from_pretrained(resolve_backbone(DEFAULT_BACKBONE))
    task = get_task("sst2")
    examples = load_split(task, "train", data_dir)[:20000]
    folder = tmp_path_factory.mktemp("cache")
    if cache == "warm":
        tokenize_examples(examples, task, tokenizer, 128, folder)

    def tokenize():
        if cache == "cold":
            shutil.rmtree(folder, ignore_errors=True)
        return tokenize_examples(examples, task, tokenizer, 128, folder)

    result = benchmark.pedantic(tokenize, rounds=3, warmup_rounds=0)
    assert result.cache_hit == (cache == "warm")
    _record(f"tokenize-{cache}", benchmark, len(examples))


@pytest.mark.benchmark(group="smoke")
def test_smoke_profile_of_every_method_finishes_in_ten_minutes(benchmark, data_dir, tmp_path):
    command = [
        sys.executable,
        "-m",
        "benchmark",
        "run",
        "--suite",
        "glue",
        "--profile",
        "smoke",
        "--data-dir",
        str(data_dir),
        "--no-progress",
    ]

    def run_once():
        output = tmp_path / f"results-{time.time_ns()}"
        done = subprocess.run([*command, "--output", str(output)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return output

    output = benchmark.pedantic(run_once, rounds=1, warmup_rounds=0)
    assert len(list(output.glob("*.json"))) >= 4
    assert benchmark.stats.stats.median <= 600


def test_ratios():
    """The targets, from the medians measured above in this same run."""
    if not {"dynamic", "pad128", "fp32", "bf16", "tokenize-cold", "tokenize-warm"} <= set(MEDIANS):
        pytest.skip("run the whole module with --benchmark-enable to compare")
    speedup = MEDIANS["pad128"] / MEDIANS["dynamic"]
    print(f"\ndynamic padding vs pad-to-128: {speedup:.2f}x examples/s")
    print(f"bf16 vs fp32 step: {MEDIANS['fp32'] / MEDIANS['bf16']:.2f}x faster")
    print(f"tokenization cache: {MEDIANS['tokenize-cold'] / MEDIANS['tokenize-warm']:.1f}x faster")
    assert speedup >= 2.0
    assert MEDIANS["tokenize-warm"] < MEDIANS["tokenize-cold"] / 2
    if cpu_supports_bf16():
        assert MEDIANS["bf16"] < MEDIANS["fp32"], "precision auto picks bf16 on this CPU"
