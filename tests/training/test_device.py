"""GPU-side helpers on the CPU path: a compiled encoder computes what the eager one does
and keeps its parameter names (checkpoints and training states stay interchangeable);
copies and TF32 are the plain path off CUDA."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.device import compile_encoder, matmul_precision, to_device
from benchmark.training.heads import MultiTaskModel


@pytest.mark.slow
@pytest.mark.parametrize("method_name", ["mtl", "camtl"])
def test_a_compiled_encoder_gives_the_eager_outputs_under_the_same_names(
        method_name, data_dir: Path, minilm_tokenizer, tiny_backbone) -> None:
    tasks = [get_task("rte"), get_task("cola")]
    items = []
    for index, task in enumerate(tasks):
        examples = load_split(task, "dev", data_dir, allow_hub=False)[:6]
        items += [(index, f) for f in tokenize_examples(examples, task, minilm_tokenizer, 32, None)]
    method = get_method(method_name)
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(tiny_backbone, tasks, method.resolve_options({}),
                                                32), tasks).eval()
    names = list(model.state_dict())
    with torch.no_grad():
        eager = model(collate(items, minilm_tokenizer.pad_token_id))
        compile_encoder(model)
        compiled = model(collate(items, minilm_tokenizer.pad_token_id))
        shorter = model(collate(items[:5], minilm_tokenizer.pad_token_id))  # another shape
    assert list(model.state_dict()) == names
    assert compiled.shape == eager.shape
    torch.testing.assert_close(compiled, eager, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(shorter, eager[:5], atol=1e-5, rtol=1e-4)


def test_copies_are_plain_off_cuda_and_tf32_is_scoped_to_the_run() -> None:
    batch = {"input_ids": torch.arange(6).view(2, 3)}
    moved = to_device(batch, torch.device("cpu"))
    assert moved["input_ids"] is batch["input_ids"]  # already there: no copy, nothing pinned
    before = torch.backends.cuda.matmul.allow_tf32
    with matmul_precision(tf32=not before):
        inside = torch.backends.cuda.matmul.allow_tf32
    assert inside == (not before if torch.cuda.is_available() else before)
    assert torch.backends.cuda.matmul.allow_tf32 == before, "the process's setting is back"
