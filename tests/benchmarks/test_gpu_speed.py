"""GPU speed, measured side by side in one run (pytest-benchmark). Skipped without CUDA:
never part of CI; run it the day a GPU is available.

1. A training step (forward, backward, clip, fused AdamW; batch 32, length 128) of CA-MTL
   with its freezing recipe against ``BertForSequenceClassification`` fully fine-tuned,
   BERT-base-sized (random weights: nothing to download, the same arithmetic as
   bert-base-uncased), in the precision ``--precision auto`` picks (bf16 autocast where the
   GPU has it, else fp32 with TF32 matmuls), single-task and 8-task batches: the step ratio
   (target <= 0.90x, as on CPU) and examples per second of both.
2. ``torch.compile`` on the CA-MTL step: compiled vs eager, after warm-up (its effect, no
   target).
3. One epoch of the paper profile (BERT-base-sized, batch 32, length 128, bf16 where
   supported) of CA-MTL on the local GLUE data (``../shared/data``; MNLI, QQP and QNLI are
   subsets there, see its README) through ``python -m benchmark run``: the record's
   training, scoring and evaluation seconds.

Run:  python -m pytest tests/benchmarks/test_gpu_speed.py -o addopts="" --benchmark-only -s
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from speed_tools import check_at_most, interleaved, paired_ratio, record, rounds
from transformers import BertConfig, BertForSequenceClassification, BertModel
from transformers.utils import logging as hf_logging

from camtl import CaMtlConfig, CaMtlEncoder, CaMtlForMultiTask, resolve_backbone

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="GPU benchmark: needs CUDA (run it on a GPU machine)")

BATCH, LENGTH = 32, 128
STEP_TARGET = 0.90
GLUE8 = (2, 2, 2, 1, 2, 3, 2, 2)  # CoLA SST-2 MRPC STS-B QQP MNLI QNLI RTE


def _dtype() -> torch.dtype | None:
    """bf16 autocast where the GPU supports it (what --precision auto picks), else None."""
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else None


def _synchronised(step):
    """A step whose timing covers its GPU work, not only the launches."""
    def run() -> None:
        step()
        torch.cuda.synchronize()
    return run


class _Trainer:
    """One model, its fused AdamW, and a full training step on a fixed batch."""

    def __init__(self, model: torch.nn.Module, loss_of) -> None:
        self.model = model.cuda().train()
        self.trainable = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.trainable, lr=2e-5, fused=True)
        self.loss_of = loss_of

    def step(self) -> None:
        dtype = _dtype()
        precision = torch.autocast("cuda", dtype=dtype) if dtype else contextlib.nullcontext()
        with precision:
            loss = self.loss_of(self.model)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.trainable, 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


def _batch() -> dict[str, torch.Tensor]:
    ids = torch.randint(1000, 30000, (BATCH, LENGTH), device="cuda")
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids),
            "token_type_ids": torch.zeros_like(ids)}


def _camtl(task_ids: torch.Tensor, batch: dict) -> _Trainer:
    encoder = CaMtlEncoder.from_backbone(BertConfig(), CaMtlConfig(num_tasks=8, max_length=LENGTH))
    classes = torch.tensor(GLUE8, device="cuda")[task_ids]
    labels = torch.where(classes == 1, torch.rand(BATCH, device="cuda") * 5,
                         (torch.rand(BATCH, device="cuda") * classes).floor())
    return _Trainer(CaMtlForMultiTask(encoder, GLUE8), lambda model: model(
        batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], task_ids,
        labels).loss)


@pytest.fixture(autouse=True)
def _tf32():
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True  # what a run does on CUDA (tf32: true)
    hf_logging.set_verbosity_error()
    yield
    torch.backends.cuda.matmul.allow_tf32 = before


def test_gpu_training_step_camtl_vs_plain_bert_base(benchmark, speed_report):
    torch.manual_seed(0)
    batch = _batch()
    plain_labels = batch["input_ids"][:, 1] % 2
    plain = _Trainer(BertForSequenceClassification(BertConfig(num_labels=2)),
                     lambda model: model(**batch, labels=plain_labels).loss)
    single = _camtl(torch.zeros(BATCH, dtype=torch.long, device="cuda"), batch)
    mixed = _camtl(torch.arange(BATCH, device="cuda") % 8, batch)
    variants = {name: _synchronised(t.step) for name, t in
                (("plain", plain), ("single", single), ("mixed", mixed))}
    times = interleaved(benchmark, variants, rounds(30), warmup=3)
    ratios = {"single/plain": paired_ratio(times, "single", "plain"),
              "mixed/plain": paired_ratio(times, "mixed", "plain")}
    for name, values in times.items():
        benchmark.extra_info[f"examples_per_s_{name}"] = BATCH / sorted(values)[len(values) // 2]
    precision = "bf16" if _dtype() else "fp32-tf32"
    record(benchmark, speed_report, f"gpu step bert-base-{LENGTH} {precision}", times, ratios)
    speed_report.append("  examples/s: " + ", ".join(
        f"{k} {v:.0f}" for k, v in benchmark.extra_info.items() if k.startswith("examples")))
    check_at_most(ratios, {"single/plain": STEP_TARGET, "mixed/plain": STEP_TARGET}, None)


def test_gpu_compiled_camtl_step_vs_eager(benchmark, speed_report):
    torch.manual_seed(0)
    batch = _batch()
    task_ids = torch.arange(BATCH, device="cuda") % 8
    eager = _camtl(task_ids, batch)
    compiled = _camtl(task_ids, batch)
    compiled.model.load_state_dict(eager.model.state_dict())
    started = time.perf_counter()
    compiled.model.compile(dynamic=True)
    _synchronised(compiled.step)()  # the first call compiles
    compile_s = time.perf_counter() - started
    variants = {"eager": _synchronised(eager.step), "compiled": _synchronised(compiled.step)}
    times = interleaved(benchmark, variants, rounds(30), warmup=3)
    ratios = {"compiled/eager": paired_ratio(times, "compiled", "eager")}
    benchmark.extra_info["compile_s"] = compile_s
    record(benchmark, speed_report, "gpu camtl compiled vs eager", times, ratios)
    speed_report.append(f"  first compiled step (compilation): {compile_s:.1f} s")


def _bert_base_folder(folder: Path) -> str:
    """A BERT-base-sized checkpoint with random weights and the uncased WordPiece vocabulary
    (bert-base-uncased's size, 30,522): the paper's arithmetic without a download."""
    torch.manual_seed(0)
    BertModel(BertConfig()).save_pretrained(folder)
    minilm = Path(resolve_backbone("all-MiniLM-L6-v2"))
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(minilm / name, folder / name)
    return str(folder)


def test_gpu_one_paper_epoch_on_local_glue(benchmark, speed_report, tmp_path, data_dir):
    backbone = _bert_base_folder(tmp_path / "bert-base")
    output = tmp_path / "results"
    command = [sys.executable, "-m", "benchmark", "run", "--suite", "glue", "--methods", "camtl",
               "--profile", "paper", "--seeds", "12", "--epochs", "1", "--backbone", backbone,
               "--data-dir", str(data_dir), "--output", str(output), "--no-progress"]

    def one_epoch() -> None:
        subprocess.run(command, check=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})

    benchmark.pedantic(one_epoch, rounds=1, iterations=1)
    [path] = output.glob("*.json")
    training = json.loads(path.read_text())["training"]
    timing = training.get("timing", {})
    benchmark.extra_info.update({"steps": training["steps"], **timing})
    speed_report.append(
        f"gpu paper epoch camtl glue: {training['steps']} steps, precision "
        f"{training['precision']}, " + ", ".join(f"{k} {v:.0f} s" for k, v in timing.items()))
