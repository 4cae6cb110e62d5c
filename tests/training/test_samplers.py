"""Task samplers: seeded, covering, and shaped as each strategy promises."""

from collections import Counter

import numpy as np
import pytest

from benchmark.errors import UnknownNameError
from benchmark.training.samplers import SAMPLERS, SamplerContext, make_sampler


def _ctx(sizes=(100, 30, 10), batch=8, seed=12, **kw):
    rng = np.random.default_rng(0)
    lengths = [list(rng.integers(5, 120, size=n)) for n in sizes]
    return SamplerContext(lengths=lengths, batch_size=batch, seed=seed, **kw)


def _epoch(name, ctx, scorer=None):
    return list(make_sampler(name, ctx).epoch(scorer))


@pytest.mark.parametrize("name", ["sequential", "proportional", "uniform", "temperature"])
def test_same_seed_same_batches_other_seed_other_batches(name):
    assert _epoch(name, _ctx()) == _epoch(name, _ctx())
    assert _epoch(name, _ctx()) != _epoch(name, _ctx(seed=13))


def test_sequential_visits_every_example_once_per_epoch_task_by_task():
    batches = _epoch("sequential", _ctx())
    tasks_in_order = [b[0][0] for b in batches]
    assert tasks_in_order == sorted(tasks_in_order)
    seen = Counter(item for batch in batches for item in batch)
    assert set(seen.values()) == {1}
    assert len(seen) == 140


def test_proportional_draws_tasks_by_size_and_uniform_does_not():
    ctx = _ctx(sizes=(800, 100, 100), batch=4)
    prop = Counter(b[0][0] for b in _epoch("proportional", ctx))
    uni = Counter(b[0][0] for b in _epoch("uniform", ctx))
    assert prop[0] / sum(prop.values()) == pytest.approx(0.8, abs=0.05)
    assert uni[0] / sum(uni.values()) == pytest.approx(1 / 3, abs=0.06)


def test_temperature_sits_between_proportional_and_uniform():
    ctx = _ctx(sizes=(900, 100), batch=4, temperature=2.0)
    probs = make_sampler("temperature", ctx).task_probabilities()
    assert probs[0] == pytest.approx(30 / 40)  # sqrt(900) / (sqrt(900) + sqrt(100))


def test_length_grouping_makes_batches_of_similar_length():
    grouped = _ctx(sizes=(2000,), batch=16)
    ungrouped = _ctx(sizes=(2000,), batch=16, group_by_length=False)

    def spread(ctx):
        lengths = np.asarray(ctx.lengths[0])
        return np.mean([np.ptp(lengths[[i for _, i in b]]) for b in _epoch("proportional", ctx)])

    assert spread(grouped) < spread(ungrouped) / 5


def test_mt_uncertainty_keeps_the_most_uncertain_candidates_and_mixes_tasks():
    ctx = _ctx(sizes=(50, 40, 30), batch=6)
    sampler = make_sampler("mt-uncertainty", ctx)
    # Uncertainty: task 2 examples score highest, then task 1.
    batches = list(sampler.epoch(lambda cands: np.array([t + 0.001 * i for t, i in cands])))
    assert len(batches) == sampler.steps_per_epoch() == 9 + 7 + 5  # as proportional's epoch
    reference = make_sampler("mt-uncertainty", _ctx(sizes=(50, 40, 30), batch=6,
                                                    uncertainty_epoch="largest-x-tasks"))
    assert reference.steps_per_epoch() == 9 * 3  # ceil(50 / 6) of the largest task x 3 tasks
    assert all(len(b) == 6 for b in batches)
    assert all(t == 2 for b in batches for t, _ in b)
    mixed = list(
        make_sampler("mt-uncertainty", ctx).epoch(
            lambda cands: np.array([(i % 7) for _, i in cands], dtype=float)
        )
    )
    assert any(len({t for t, _ in b}) > 1 for b in mixed)


def test_mt_uncertainty_warmup_draws_unscored_random_batches_then_ranks():
    ctx = _ctx(sizes=(50, 40, 30), batch=6, warmup_steps=10)
    calls = []

    def scorer(cands):
        calls.append(len(cands))
        return np.array([t + 0.001 * i for t, i in cands])  # task 2 always wins

    batches = list(make_sampler("mt-uncertainty", ctx).epoch(scorer))
    assert len(calls) == len(batches) - 10  # the warm-up steps are never scored
    warm = Counter(t for b in batches[:10] for t, _ in b)
    assert set(warm) == {0, 1, 2}  # every task trains while the heads are fresh
    assert all(t == 2 for b in batches[10:] for t, _ in b)
    assert all(len(b) == 6 for b in batches)
    again = list(make_sampler("mt-uncertainty", _ctx(sizes=(50, 40, 30), batch=6,
                                                     warmup_steps=10)).epoch(scorer))
    assert again == batches  # seeded


def test_reference_fidelity_has_no_uncertainty_warmup():
    from benchmark.training.config import TrainConfig
    from benchmark.training.fidelity import apply_fidelity

    assert TrainConfig().uncertainty_warmup == 0.1
    assert apply_fidelity(TrainConfig(fidelity="reference")).uncertainty_warmup == 0.0


def test_mt_uncertainty_refuses_to_run_without_a_scorer():
    with pytest.raises(ValueError, match="scorer"):
        _epoch("mt-uncertainty", _ctx())


def test_unknown_sampler_suggests_the_close_name():
    with pytest.raises(UnknownNameError, match="proportional"):
        make_sampler("proportionnal", _ctx())
    assert set(SAMPLERS) == {
        "sequential",
        "proportional",
        "uniform",
        "temperature",
        "mt-uncertainty",
    }
