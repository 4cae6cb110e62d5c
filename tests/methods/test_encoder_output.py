"""Every method's encoder gives token states and pooled vectors (plugin interface 2).

On the real MiniLM and real SST-2 + RTE rows: with ``all_positions`` the token states cover
every position, ``[rows, length, hidden]``; the pooled vectors ``[rows, hidden]`` are there
either way and do not depend on the flag. CA-MTL keeps its [CLS]-only top layer when all
positions are not asked for: its token states are then the [CLS] state alone.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from baselines.camtl_method import CaMtl
from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods import EncoderOutput, Method, checked_encoder
from benchmark.methods.registry import discover_methods
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel
from camtl.backbones import DEFAULT_BACKBONE

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "bitfit_plugin"
MAX_LENGTH = 64
HIDDEN = 384
BUILT_IN = sorted(n for n, e in discover_methods().items() if e.distribution == "camtl-bench")


def _bitfit() -> Method:
    """The example plugin's method, imported from its source folder (not installed here)."""
    init = EXAMPLE_PLUGIN / "camtl_bench_bitfit" / "__init__.py"
    spec = importlib.util.spec_from_file_location("camtl_bench_bitfit", init)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BitFit()


@pytest.fixture(scope="module")
def tasks_and_batch(data_dir, minilm_tokenizer):
    tasks = [get_task("sst2"), get_task("rte")]
    items = []
    for index, task in enumerate(tasks):
        examples = load_split(task, "train", data_dir)[:4]
        features = tokenize_examples(examples, task, minilm_tokenizer, MAX_LENGTH, None)
        items += [(index, feature) for feature in features]
    return tasks, collate(items, minilm_tokenizer.pad_token_id)


def _method(name: str) -> Method:
    return _bitfit() if name == "bitfit" else discover_methods()[name].method_class()


def test_every_built_in_method_is_covered():
    assert {"stl", "houlsby", "mtl", "camtl", "camtl-large", "ablation-mtl", "ablation-ca",
            "ablation-ca-adapter", "ablation-ca-adapter-cln"} <= set(BUILT_IN)


@pytest.mark.parametrize("name", [*BUILT_IN, "bitfit"])
def test_token_states_and_pooled_vectors(name, tasks_and_batch):
    tasks, batch = tasks_and_batch
    method = _method(name)
    torch.manual_seed(0)
    encoder = checked_encoder(method, DEFAULT_BACKBONE, tasks, method.resolve_options(None),
                              MAX_LENGTH).eval()
    inputs = [batch[k] for k in ("input_ids", "attention_mask", "token_type_ids", "task_ids")]
    rows, length = batch["input_ids"].shape
    assert length > 20  # real pairs: a length worth asking all positions for
    with torch.no_grad():
        full = encoder(*inputs, all_positions=True)
        default = encoder(*inputs)
    assert isinstance(full, EncoderOutput) and isinstance(default, EncoderOutput)
    assert full.tokens.shape == (rows, length, HIDDEN)
    assert full.pooled.shape == default.pooled.shape == (rows, HIDDEN)
    torch.testing.assert_close(default.pooled, full.pooled, atol=1e-5, rtol=1e-4)
    positions = 1 if isinstance(method, CaMtl) else length  # CA-MTL: [CLS]-only top layer
    assert default.tokens.shape == (rows, positions, HIDDEN)
    torch.testing.assert_close(default.tokens[:, 0], full.tokens[:, 0], atol=1e-5, rtol=1e-4)
    real = batch["attention_mask"].bool()
    assert full.tokens[real].std(0).mean() > 0.01  # the positions carry different states


def test_the_harness_model_passes_the_flag_and_heads_read_the_pooled_vector(tasks_and_batch):
    tasks, batch = tasks_and_batch
    torch.manual_seed(0)
    model = MultiTaskModel(checked_encoder(CaMtl(), DEFAULT_BACKBONE, tasks, {}, MAX_LENGTH),
                           tasks).eval()
    rows, length = batch["input_ids"].shape
    with torch.no_grad():
        pooled_only, every = model.encode(batch), model.encode(batch, all_positions=True)
        logits = model(batch)
        expected = model.heads(every.pooled, batch["task_ids"])
    assert (pooled_only.tokens.shape[1], every.tokens.shape[1]) == (1, length)
    assert logits.shape == (rows, 2)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=1e-4)
