"""Harness speed, measured side by side in one run (pytest-benchmark, interleaved rounds):

- training throughput on real SST-2, MRPC and RTE batches (standard MTL on MiniLM, batch 32,
  uniform task sampling) with dynamic length-grouped padding, dynamic padding alone, and
  every batch padded to 128 tokens (target: length-grouped >= 2x the examples/s of pad-128);
- fp32 vs bf16 autocast training steps (the evidence behind ``--precision auto``);
- CA-MTL steps on batches mixing five GLUE tasks, one padded pass vs the loop's length groups
  (target: groups <= 0.85x; measured 0.40x with bf16 on a 2-core avx512_bf16 machine);
- dropout masks cut from random words vs torch's Bernoulli draws, MTL and CA-MTL steps on real
  SST-2, MRPC and RTE batches (target: <= 0.95x);
- tokenizing 20,000 SST-2 examples from the cache vs from scratch (the cache's saving);
- the smoke profile of every registered method end to end (target: <= 10 minutes).

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
from accelerate import Accelerator
from speed_tools import busy_load, check_at_most, interleaved, paired_ratio, record, rounds

from baselines.mtl import StandardMultiTask
from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.registry import discover_methods
from benchmark.runs.settings import cpu_supports_bf16
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel, multitask_loss
from benchmark.training.samplers import SamplerContext, make_sampler
from camtl.backbones import DEFAULT_BACKBONE

TASKS = ("sst2", "mrpc", "rte")
BATCHES = 8
PADDING_TARGET = 2.0  # pad-128 seconds per example / length-grouped seconds per example
SMOKE_LIMIT_S = 600


@pytest.fixture(scope="module")
def setup(data_dir, minilm_tokenizer):
    tasks = [get_task(t) for t in TASKS]
    features = [
        tokenize_examples(load_split(t, "train", data_dir)[:2000], t, minilm_tokenizer, 128, None)
        for t in tasks
    ]
    lengths = [[f.length for f in fs] for fs in features]

    def batches(group_by_length: bool) -> list[dict]:
        context = SamplerContext(lengths, 32, seed=0, group_by_length=group_by_length)
        drawn = []
        for batch in make_sampler("uniform", context).epoch():
            drawn.append(
                collate([(t, features[t][i]) for t, i in batch], minilm_tokenizer.pad_token_id)
            )
            if len(drawn) == BATCHES:
                return drawn
        raise AssertionError("the sampler ran dry")

    torch.manual_seed(0)
    encoder = StandardMultiTask().build_encoder(DEFAULT_BACKBONE, tasks, {}, 128)
    model = MultiTaskModel(encoder, tasks).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    return model, optimizer, {"grouped": batches(True), "random": batches(False)}


def _pad_to(batch: dict, length: int, pad_id: int) -> dict:
    extra = length - batch["input_ids"].shape[1]
    padded = dict(batch)
    padded["input_ids"] = F.pad(batch["input_ids"], (0, extra), value=pad_id)
    padded["attention_mask"] = F.pad(batch["attention_mask"], (0, extra))
    padded["token_type_ids"] = F.pad(batch["token_type_ids"], (0, extra))
    return padded


def _train_steps(model, optimizer, batches, precision) -> None:
    for batch in batches:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = multitask_loss(model(batch), batch, model.tasks)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


def _width(batches: list[dict]) -> float:
    return sum(b["input_ids"].shape[1] for b in batches) / len(batches)


def test_training_throughput_by_padding(benchmark, setup, minilm_tokenizer, speed_report):
    model, optimizer, batches = setup
    precision = "bf16" if cpu_supports_bf16() else "fp32"
    pad128 = [_pad_to(b, 128, minilm_tokenizer.pad_token_id) for b in batches["random"]]
    plans = {"grouped": batches["grouped"], "dynamic": batches["random"], "pad128": pad128}
    variants = {
        name: (lambda plan=plan: _train_steps(model, optimizer, plan, precision))
        for name, plan in plans.items()
    }
    times = interleaved(benchmark, variants, rounds(3), warmup=1)
    speedups = {  # examples/s relative to pad-128: every plan holds BATCHES x 32 examples
        "grouped vs pad128": paired_ratio(times, "pad128", "grouped"),
        "dynamic vs pad128": paired_ratio(times, "pad128", "dynamic"),
    }
    examples = BATCHES * 32
    for name, plan in plans.items():
        benchmark.extra_info[f"mean_width_{name}"] = _width(plan)
        benchmark.extra_info[f"examples_per_s_{name}"] = examples / min(times[name])
    widths = ", ".join(f"{name} {_width(plan):.0f}" for name, plan in plans.items())
    record(benchmark, speed_report, f"{precision} MTL steps, mean width {widths}", times, speedups)
    # the target is a speed-up (>= 2x), so check its inverse against 1 / 2
    inverse = {"pad128/grouped": 1 / speedups["grouped vs pad128"]}
    check_at_most(inverse, {"pad128/grouped": 1 / PADDING_TARGET}, busy_load())


def test_training_step_by_precision(benchmark, setup, speed_report):
    model, optimizer, batches = setup
    # emulated bf16 (no avx512_bf16/AMX) is ~20x slower than fp32: one batch says enough there
    plan = batches["grouped"][: 3 if cpu_supports_bf16() else 1]
    variants = {
        precision: (lambda precision=precision: _train_steps(model, optimizer, plan, precision))
        for precision in ("fp32", "bf16")
    }
    times = interleaved(benchmark, variants, rounds(3), warmup=1)
    ratio = {"bf16/fp32": paired_ratio(times, "bf16", "fp32")}
    record(benchmark, speed_report, f"{len(plan)} MTL steps by precision", times, ratio)
    if cpu_supports_bf16():  # `--precision auto` picks bf16 here: it must pay off
        check_at_most(ratio, {"bf16/fp32": 1.0}, busy_load())
    else:  # and fp32 there: bf16 is emulated and must not be faster
        assert ratio["bf16/fp32"] >= 0.9 or busy_load(), ratio


DROPOUT_TARGET = 0.95  # int16-mask step seconds / torch-dropout step seconds


@pytest.mark.parametrize("method_name", ["mtl", "camtl"])
def test_training_step_by_dropout_masks(benchmark, setup, method_name, speed_report):
    """The training loop's CPU dropout masks (benchmark/training/dropout_masks.py) against
    torch's own, on the same length-grouped batches of real rows, fp32 (where dropout is the
    larger share of a step)."""
    from benchmark.methods.registry import get_method
    from benchmark.training.dropout_masks import dropout_masks

    _, _, batches = setup
    tasks = [get_task(t) for t in TASKS]
    method = get_method(method_name)
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(DEFAULT_BACKBONE, tasks,
                                                method.resolve_options({}), 128), tasks).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5,
                                  fused=True)
    plan = batches["grouped"][:4]

    def steps(kind: str) -> None:
        with dropout_masks(kind, torch.device("cpu")):
            _train_steps(model, optimizer, plan, "fp32")

    variants = {kind: (lambda kind=kind: steps(kind)) for kind in ("torch", "int16")}
    times = interleaved(benchmark, variants, rounds(3), warmup=1)
    ratio = {"int16/torch": paired_ratio(times, "int16", "torch")}
    record(benchmark, speed_report, f"fp32 {method_name} steps by dropout masks (mean width "
           f"{_width(plan):.0f})", times, ratio)
    check_at_most(ratio, {"int16/torch": DROPOUT_TARGET}, busy_load())


def test_tokenization_cache(benchmark, data_dir, minilm_tokenizer, tmp_path, speed_report):
    task = get_task("sst2")
    examples = load_split(task, "train", data_dir)[:20000]
    cold_dir, warm_dir = tmp_path / "cold", tmp_path / "warm"
    tokenize_examples(examples, task, minilm_tokenizer, 128, warm_dir)
    hits = {}

    def run(name: str, folder):
        if name == "cold":
            shutil.rmtree(folder, ignore_errors=True)
        hits[name] = tokenize_examples(examples, task, minilm_tokenizer, 128, folder).cache_hit

    variants = {"cold": lambda: run("cold", cold_dir), "warm": lambda: run("warm", warm_dir)}
    times = interleaved(benchmark, variants, rounds(3), warmup=0)
    assert hits == {"cold": False, "warm": True}
    ratio = {"warm/cold": paired_ratio(times, "warm", "cold")}
    record(benchmark, speed_report, f"tokenize {len(examples)} SST-2", times, ratio)
    check_at_most(ratio, {"warm/cold": 0.5}, busy_load())


def test_smoke_profile_of_every_method(benchmark, data_dir, tmp_path, speed_report):
    methods = sorted(discover_methods())
    output = tmp_path / "results"
    command = [
        sys.executable, "-m", "benchmark", "run", "--suite", "glue", "--profile", "smoke",
        "--methods", ",".join(methods), "--data-dir", str(data_dir), "--output", str(output),
        "--no-progress",
    ]  # fmt: skip

    def run_once() -> None:
        shutil.rmtree(output, ignore_errors=True)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        benchmark.extra_info["wall_s"] = time.perf_counter() - started

    benchmark.pedantic(run_once, rounds=1, warmup_rounds=0)
    records = list(output.glob("*.json"))
    assert len(records) >= len(methods), (methods, records)
    wall = benchmark.extra_info["wall_s"]
    line = f"smoke profile: {len(methods)} methods, {len(records)} records, {wall:.0f}s"
    speed_report.append(line)
    check_at_most({"wall_s": wall}, {"wall_s": SMOKE_LIMIT_S}, busy_load())


def _random_mixed_batches(tasks, data_dir, tokenizer, per_task: int, count: int) -> list[list]:
    """``count`` batches of 32 drawn at random (seed 0) from the first ``per_task`` training
    examples of each task, tokenized at length 128: what MT-Uncertainty's picks look like."""
    pool = [(index, feature) for index, task in enumerate(tasks)
            for feature in tokenize_examples(load_split(task, "train", data_dir)[:per_task],
                                             task, tokenizer, 128, None)]
    generator = torch.Generator().manual_seed(0)
    return [[pool[i] for i in torch.randperm(len(pool), generator=generator)[:32].tolist()]
            for _ in range(count)]


MIXED_TASKS = ("cola", "sst2", "mrpc", "stsb", "rte")
GROUPS_TARGET = 0.85  # length-grouped step seconds / one padded batch's, on mixed batches


def test_mixed_batch_step_by_length_groups(benchmark, data_dir, minilm_tokenizer, speed_report):
    """CA-MTL steps on batches that mix the five GLUE tasks at random (as MT-Uncertainty's
    picks do): one padded pass against the loop's length groups (the same gradient,
    tests/training/test_length_groups.py)."""
    from benchmark.methods.registry import get_method
    from benchmark.training.length_groups import length_groups
    from benchmark.training.loop import _forward_backward

    tasks = [get_task(t) for t in MIXED_TASKS]
    batches = _random_mixed_batches(tasks, data_dir, minilm_tokenizer, per_task=200, count=4)
    method = get_method("camtl")
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(DEFAULT_BACKBONE, tasks,
                                                method.resolve_options({}), 128), tasks).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    precision = "bf16" if cpu_supports_bf16() else "fp32"
    accelerator = Accelerator(cpu=True)
    pad = minilm_tokenizer.pad_token_id

    def one_pass() -> None:
        for items in batches:
            batch = collate(items, pad)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                loss = multitask_loss(model(batch).float(), batch, model.tasks)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    def grouped() -> None:
        for items in batches:
            _forward_backward(model, items, pad, precision, accelerator)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    split = sum(len(length_groups(items)) > 1 for items in batches)
    times = interleaved(benchmark, {"one": one_pass, "groups": grouped}, rounds(3), warmup=1)
    ratio = {"groups/one": paired_ratio(times, "groups", "one")}
    record(benchmark, speed_report,
           f"{precision} CA-MTL mixed steps ({split}/{len(batches)} split)", times, ratio)
    check_at_most(ratio, {"groups/one": GROUPS_TARGET}, busy_load())


def test_compiled_encoder_step_vs_eager_on_cpu(benchmark, data_dir, minilm_tokenizer,
                                               speed_report):
    """``--compile``'s effect on a CPU: CA-MTL steps (fp32, MiniLM, batch 32 of real SST-2 and
    RTE rows, the loop's own step) with the encoder compiled against eager, after the
    compiled model has seen every batch shape once (compilation time reported apart). No
    target: torch.compile is for GPUs; this says what it does here."""
    from benchmark.methods.registry import get_method
    from benchmark.training.device import compile_encoder
    from benchmark.training.loop import _forward_backward

    tasks = [get_task("sst2"), get_task("rte")]
    batches = _random_mixed_batches(tasks, data_dir, minilm_tokenizer, per_task=64, count=3)
    method = get_method("camtl")
    accelerator = Accelerator(cpu=True)
    pad = minilm_tokenizer.pad_token_id

    def trainer(compiled: bool):
        torch.manual_seed(0)
        model = MultiTaskModel(method.build_encoder(DEFAULT_BACKBONE, tasks,
                                                    method.resolve_options({}), 128), tasks)
        model.train()
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                      lr=1e-5, fused=True)
        if compiled:
            compile_encoder(model)

        def steps() -> None:
            for items in batches:
                _forward_backward(model, items, pad, "fp32", accelerator)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        return steps

    eager, compiled = trainer(False), trainer(True)
    started = time.perf_counter()
    compiled()  # compiles for these shapes
    compile_s = time.perf_counter() - started
    times = interleaved(benchmark, {"eager": eager, "compiled": compiled}, rounds(3), warmup=1)
    ratio = {"compiled/eager": paired_ratio(times, "compiled", "eager")}
    record(benchmark, speed_report, "compiled CA-MTL steps (cpu)", times, ratio)
    speed_report.append(f"  first compiled pass (compilation included): {compile_s:.1f} s")
