"""One training step's gradient, one process vs the sum over this launch's processes.

Run by tests/runs/test_data_parallel.py as ``torchrun --nproc_per_node 2 THIS BACKBONE DATA
METHOD OUT``. Every process builds the same model (same seed) in eval mode (no dropout draw:
the comparison is of the arithmetic alone), takes its shard of one global batch that mixes
RTE and MRPC rows (the model also serves WNUT 2017, absent from the batch: its token head
gets no gradient anywhere), and sums the gradients with ``World.reduce_gradients``; the main
process also computes the one-process gradient of the whole batch on a fresh copy and
writes the largest difference to OUT (json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from transformers import AutoTokenizer

from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.registry import get_method
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel
from benchmark.training.loop import _forward_backward, process_accelerator
from benchmark.training.parallel import World, current_world

GLOBAL_BATCH = 7  # split 3 + 4: uneven on purpose


def _model(backbone: str, method_name: str, tasks) -> MultiTaskModel:
    torch.manual_seed(0)
    method = get_method(method_name)
    model = MultiTaskModel(method.build_encoder(backbone, tasks, method.resolve_options({}), 32),
                           tasks)
    return model.eval()


def main(backbone: str, data_dir: str, method_name: str, out: str) -> None:
    accelerator = process_accelerator()
    world = current_world()
    tasks = [get_task("rte"), get_task("mrpc"), get_task("wnut17")]
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    items = []
    for index, task in enumerate(tasks[:2]):
        examples = load_split(task, "train", Path(data_dir), allow_hub=False)[:4]
        features = tokenize_examples(examples, task, tokenizer, 32, None)
        items += [(index, feature) for feature in features]
    items = items[1:1 + GLOBAL_BATCH]  # 3 RTE rows, 4 MRPC rows
    model = _model(backbone, method_name, tasks)
    trainable = [p for p in model.parameters() if p.requires_grad]
    shard_loss = _forward_backward(model, world.shard(items), tokenizer.pad_token_id, "fp32",
                                   accelerator, items)
    loss = world.reduce_gradients(trainable, shard_loss)
    if not world.is_main:
        return
    alone = _model(backbone, method_name, tasks)
    whole = _forward_backward(alone, items, tokenizer.pad_token_id, "fp32", accelerator)
    pairs = [(p, q) for p, q in zip(trainable, (q for q in alone.parameters()
                                                if q.requires_grad), strict=True)]
    grad_diff = max(float((p.grad - q.grad).abs().max()) for p, q in pairs
                    if q.grad is not None)
    untouched = sum(1 for p, q in pairs if q.grad is None and p.grad is not None)
    Path(out).write_text(json.dumps({
        "world_size": world.size,
        "shard_sizes": [len(World(r, world.size).shard(items)) for r in range(world.size)],
        "loss": float(loss), "one_process_loss": float(whole),
        "max_grad_difference": grad_diff,
        "max_grad": max(float(q.grad.abs().max()) for _, q in pairs if q.grad is not None),
        "grad_where_one_process_had_none": untouched,
        "no_grad_in_one_process": sum(1 for _, q in pairs if q.grad is None),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:5])
