"""One battery every method passes: built-in methods and the example plugin alike."""

from __future__ import annotations

import dataclasses

import jsonschema
import pytest
import torch
from transformers import AutoTokenizer

from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.registry import discover_methods
from benchmark.parameters import account_parameters
from benchmark.results.schema import RESULT_SCHEMA
from benchmark.runs.execute import execute_run
from benchmark.runs.spec import Budget, RunSpec
from benchmark.tasks.registry import get_task
from benchmark.training.checkpoint import load_checkpoint, save_checkpoint
from benchmark.training.config import TrainConfig
from benchmark.training.heads import MultiTaskModel, multitask_loss

TASKS = ("rte", "stsb", "cola")
MAX_LENGTH = 32
BUILT_IN = sorted(n for n, e in discover_methods().items() if e.distribution == "camtl-bench")


@pytest.fixture(params=[*BUILT_IN, "bitfit (example plugin)"])
def method(request, example_plugin_class):
    if request.param.startswith("bitfit"):
        return example_plugin_class()
    return discover_methods()[request.param].method_class()


@pytest.fixture(scope="module")
def batch(tiny_backbone, data_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_backbone)
    items = []
    for index, name in enumerate(TASKS):
        task = get_task(name)
        examples = load_split(task, "train", data_dir)[:6]
        features = tokenize_examples(examples, task, tokenizer, MAX_LENGTH, None)
        items.extend((index, f) for f in features)
    return collate(items, tokenizer.pad_token_id)


def _model(method, backbone):
    tasks = [get_task(n) for n in TASKS]
    options = method.resolve_options(None)
    return MultiTaskModel(method.build_encoder(backbone, tasks, options, MAX_LENGTH), tasks)


def test_loss_goes_down_and_frozen_weights_stay_bit_identical(method, tiny_backbone, batch):
    torch.manual_seed(0)
    model = _model(method, tiny_backbone)
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable, "a method must train something"
    optimizer = torch.optim.AdamW(trainable, lr=3e-3)
    model.train()
    losses = []
    for _ in range(12):
        loss = multitask_loss(model(batch), batch, model.tasks)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.85 * losses[0], losses  # 12 steps on one batch: it must learn
    for name, param in model.named_parameters():
        if name in frozen:
            assert torch.equal(param, frozen[name]), f"frozen weight {name} changed"


def test_parameter_accounting_agrees_with_requires_grad(method, tiny_backbone):
    model = _model(method, tiny_backbone)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    block = account_parameters(method, [(model, list(TASKS))], tiny_backbone)
    assert block["trainable"] == trainable
    assert block["frozen_shared"] == frozen
    assert block["total_to_serve"] == trainable + frozen
    heads = sum(p.numel() for p in model.heads.parameters())
    assert sum(block["per_task"].values()) >= heads


def test_save_and_reload_give_the_same_predictions(
    method, tiny_backbone, batch, tmp_path, monkeypatch
):
    import benchmark.training.checkpoint as checkpoint

    monkeypatch.setattr(checkpoint, "get_method", lambda name: method)
    torch.manual_seed(0)
    model = _model(method, tiny_backbone)
    with torch.no_grad():  # move every trainable weight away from its initial value
        for param in model.parameters():
            if param.requires_grad:
                param.add_(0.01 * torch.randn_like(param))
    model.eval()
    save_checkpoint(
        model, tmp_path, method.name, method.resolve_options(None), tiny_backbone, MAX_LENGTH
    )
    reloaded = load_checkpoint(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(batch), model(batch))


def test_result_record_has_every_field_filled(
    method, tiny_backbone, data_dir, tmp_path, monkeypatch
):
    import benchmark.runs.execute as execute

    monkeypatch.setattr(execute, "get_method", lambda name: method)
    spec = RunSpec(
        method=method.name,
        method_options=method.resolve_options(None),
        suite="custom",
        tasks=("rte", "stsb"),
        seed=12,
        backbone=tiny_backbone,
        sampler="proportional"
        if not method.joint or method.default_sampler != "mt-uncertainty"
        else "mt-uncertainty",
        budget=Budget(max_train_samples=16, max_eval_samples=16),
        train=TrainConfig(epochs=1, batch_size=8, max_length=MAX_LENGTH, progress=False),
    )
    if not method.joint:
        spec = dataclasses.replace(spec, sampler="sequential")
    record = execute_run(spec, str(data_dir), tmp_path)
    jsonschema.validate(record, RESULT_SCHEMA)
    assert (tmp_path / f"{spec.run_id}.json").exists()
    assert set(record["metrics"]) == {"rte", "stsb"}
    assert all(v is not None for v in record["main_scores"].values())
    assert record["parameters"]["total_to_serve"] > 0
    usage = record["data_usage"]["per_task"]
    assert usage["rte"]["available"] == 16 and 0 < usage["rte"]["updated"] <= 16
    assert record["training"]["steps"] > 0 and record["history"]
    manifest = record["manifest"]
    assert manifest["packages"]["torch"] and manifest["data_files"] and manifest["git_commit"]
