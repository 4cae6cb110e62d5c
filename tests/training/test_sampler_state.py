"""A sampler restored from its ``state_dict`` mid-epoch draws exactly the batches the
uninterrupted sampler draws: what lets a killed run resume bit for bit."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from benchmark.training.samplers import SAMPLERS, SamplerContext, make_sampler

LENGTHS = [[5 + (i * 7) % 40 for i in range(37)], [3 + i % 9 for i in range(90)], [12] * 20]


def _context() -> SamplerContext:
    return SamplerContext(lengths=LENGTHS, batch_size=8, seed=5, warmup_steps=3)


def _scores(candidates: list[tuple[int, int]]) -> np.ndarray:
    """A fixed stand-in for the model's uncertainty, a function of the candidates only."""
    return np.array([((7 * task + 13 * index) % 17) / 17 for task, index in candidates])


def _draw(sampler, count: int) -> list:
    """``count`` batches, over epoch boundaries, as the training loop asks for them."""
    batches: list = []
    while len(batches) < count:
        for batch in sampler.epoch(_scores):
            batches.append(batch)
            if len(batches) == count:
                break
    return batches


@pytest.mark.parametrize("name", sorted(SAMPLERS))
@pytest.mark.parametrize("cut", [1, 6, 19, 20, 27])  # an epoch is 20 batches
def test_a_restored_sampler_continues_with_the_same_batches(name: str, cut: int) -> None:
    whole = _draw(make_sampler(name, _context()), 40)
    first = make_sampler(name, _context())
    before = _draw(first, cut)
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)  # as the training state stores it
    buffer.seek(0)
    second = make_sampler(name, _context())
    second.load_state_dict(torch.load(buffer, weights_only=True))
    after = _draw(second, 40 - cut)
    assert before + after == whole
    assert len({tuple(map(tuple, b)) for b in whole}) > 20, "the batches really differ"


def test_a_state_of_another_sampler_is_refused() -> None:
    state = make_sampler("proportional", _context()).state_dict()
    with pytest.raises(ValueError, match="saved proportional sampler state over 3 tasks does "
                                         "not fit this uniform sampler"):
        make_sampler("uniform", _context()).load_state_dict(state)
