"""The source model extended by the new tasks: same method, one more task.

The method builds its encoder for the source's tasks followed by the new ones, as it would
for a multi-task run of all of them (CA-MTL: a task-embedding table one row longer; its
freezing rule unchanged), and the harness adds a head per new task. Every weight the
source checkpoint has is carried over: an identical shape is copied, a per-task table
(first dimension = number of tasks: task embeddings, the heads' output scales) gets the
source's rows and keeps the method's initialisation for the new rows. A weight the source
lacks is allowed only for the new tasks' heads; anything else means the method cannot be
extended this way and is refused by name.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from safetensors.torch import load_file

from benchmark.adaptation.source import SourceRun
from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Method, checked_encoder
from benchmark.tasks.registry import get_task
from benchmark.tasks.spec import TaskSpec
from benchmark.training.heads import MultiTaskModel

HEAD_MODULES = ("heads.heads", "token_heads.heads")
"""Where the harness keeps one head per task (``MultiTaskModel``): ``<module>.<index>.``."""


def adapted_model(source: SourceRun, method: Method, new_tasks: Sequence[TaskSpec],
                  max_length: int) -> MultiTaskModel:
    """The source's model over ``[*source tasks, *new_tasks]``, source weights carried."""
    tasks = [get_task(name) for name in source.tasks] + list(new_tasks)
    overlap = sorted(set(source.tasks) & {t.name for t in new_tasks})
    if overlap:
        raise BenchmarkError(f"--from {source.run_id}: the source run already trained "
                             f"{', '.join(overlap)}; adapt it to a task it has not seen")
    encoder = checked_encoder(method, source.backbone, tasks, source.method_options, max_length)
    model = MultiTaskModel(encoder, tasks)
    carry_weights(model, load_file(str(source.weights)), len(source.tasks), source.run_id)
    model.carried = len(source.tasks)
    return model


def carry_weights(model: MultiTaskModel, weights: dict[str, torch.Tensor], source_tasks: int,
                  source: str) -> None:
    """Copy the source's ``weights`` into ``model`` (rules in the module docstring)."""
    total = len(model.tasks)
    new_heads = tuple(f"{m}.{i}." for m in HEAD_MODULES for i in range(source_tasks, total))
    problems = []
    with torch.no_grad():
        for name, target in model.state_dict().items():
            value = weights.get(name)
            if value is None:
                if not name.startswith(new_heads):
                    problems.append(f"{name} is not in the source checkpoint")
                continue
            if value.shape == target.shape:
                target.copy_(value)
            elif (value.dim() == target.dim() and value.shape[1:] == target.shape[1:]
                  and value.shape[0] == source_tasks and target.shape[0] == total):
                target[:source_tasks].copy_(value)
            else:
                problems.append(f"{name}: source shape {tuple(value.shape)}, extended model "
                                f"{tuple(target.shape)}")
    extra = sorted(set(weights) - set(model.state_dict()))
    problems += [f"{name} of the source checkpoint has no place in the extended model"
                 for name in extra[:3]]
    if problems:
        raise BenchmarkError(
            f"--from {source}: its {type(model.encoder).__name__} cannot be extended by a "
            f"task ({'; '.join(problems[:3])}); adaptation supports methods whose per-task "
            "weights are tables indexed by task (docs/results.md, \"Domain adaptation\")")
