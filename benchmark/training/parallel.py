"""One run over several processes (``accelerate launch`` / ``torchrun``): data parallelism
that computes what one process computes.

Every process runs the same code on the same run (SPMD): the same sampler with the same seed
draws the same global batch, of which each process trains its contiguous shard
(``shard``); the shards' losses are weighted as parts of the whole batch's loss
(``length_groups.group_loss``) and their gradients summed across processes
(``reduce_gradients``), so the update is the one-process update up to float rounding, and
the global batch size is the configured one whatever the number of processes.
Evaluation and MT-Uncertainty scoring split the length-sorted chunks one process would run
round-robin over the processes and gather the outputs (``gather_chunks``): every example
is computed once, by exactly the chunk one process would have put it in, and every process
then holds all outputs, so the metrics, the scores and the selected batch are the same
everywhere. Only the main process writes (records, predictions, checkpoints, training
states, claims) and logs; ``World`` says which one that is.

The process group is the one Accelerate sets up (gloo on CPUs, nccl on GPUs); a plain
``python -m benchmark`` is a world of one, and every function here is then a no-op.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's place among the processes of one launch."""

    rank: int = 0
    size: int = 1
    backend: str | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def parallel(self) -> bool:
        return self.size > 1

    def shard(self, items: Sequence[T]) -> list[T]:
        """This process's contiguous share of a global batch (possibly empty)."""
        n = len(items)
        return list(items[self.rank * n // self.size:(self.rank + 1) * n // self.size])

    def broadcast(self, value: Any) -> Any:
        """The main process's ``value`` (any picklable object), on every process."""
        if not self.parallel:
            return value
        box = [value if self.is_main else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather_chunks(self, mine: dict[int, Any]) -> dict[int, Any]:
        """Every process's ``{position: output}`` merged, on every process."""
        if not self.parallel:
            return mine
        mine = {k: v.cpu() if isinstance(v, torch.Tensor) else v for k, v in mine.items()}
        parts: list[dict[int, Any] | None] = [None] * self.size
        dist.all_gather_object(parts, mine)
        merged: dict[int, Any] = {}
        for part in parts:
            merged.update(part or {})
        return merged

    def mine(self, chunk_number: int) -> bool:
        """Whether this process computes chunk ``chunk_number`` of a round-robin split."""
        return chunk_number % self.size == self.rank

    def reduce_gradients(self, parameters: Sequence[torch.nn.Parameter],
                         loss: torch.Tensor) -> torch.Tensor:
        """Sum the trainable gradients and the shard losses over the processes, in one
        collective. A parameter a shard did not reach counts as a zero gradient there; one
        that no shard reached keeps no gradient, as in one process (AdamW then leaves it
        alone: no decay, no moment update). Returns the whole batch's loss (non-finite on
        every process when on one)."""
        if not self.parallel:
            return loss
        device = parameters[0].device if parameters else loss.device
        flat = [p.grad.reshape(-1).float() if p.grad is not None else
                torch.zeros(p.numel(), device=device) for p in parameters]
        reached = torch.tensor([float(p.grad is not None) for p in parameters], device=device)
        buffer = torch.cat([*flat, reached, loss.detach().float().reshape(1).to(device)])
        dist.all_reduce(buffer, op=dist.ReduceOp.SUM)
        offset = 0
        counts = buffer[-1 - len(parameters):-1].tolist()
        for param, count in zip(parameters, counts, strict=True):
            size = param.numel()
            param.grad = (buffer[offset:offset + size].view_as(param).to(param.dtype).clone()
                          if count > 0 else None)
            offset += size
        return buffer[-1].cpu()

    def same_weights(self, module: torch.nn.Module) -> None:
        """Give every process the main process's parameters and buffers before training.
        Every process builds the model from the same seed (``runs.execute.part_seed``), so
        this only guards the promise that all shards train one model: a method whose
        construction draws from another source of randomness cannot split it."""
        if not self.parallel:
            return
        for tensor in module.state_dict().values():
            dist.broadcast(tensor, src=0)

    def own_dropout(self, seed: int, step: int) -> None:
        """Seed torch's generator per process (all but the main one, which keeps the
        one-process stream), so the shards of a step draw independent dropout masks rather
        than the same masks for rows at the same positions."""
        if self.parallel and not self.is_main:
            torch.manual_seed(seed * 1_000_003 + self.rank * 7919 + step)

    def describe(self) -> dict[str, Any]:
        """What the record's manifest says of the launch (not part of the run id)."""
        return {"world_size": self.size, "backend": self.backend}


def current_world() -> World:
    """The world of the process group in place, or a world of one."""
    if dist.is_available() and dist.is_initialized():
        return World(dist.get_rank(), dist.get_world_size(), str(dist.get_backend()))
    return World()


def launched_in_parallel() -> bool:
    """Whether a launcher (accelerate launch, torchrun) started several processes."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False
