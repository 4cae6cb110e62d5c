"""A paired bootstrap over the items (pairs, sentences) of one before/after comparison.

Both encoders are scored on the same items, so each resample draws one set of item
indices and computes the before-after difference on it: item difficulty cancels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmark.stats.bootstrap import Interval, percentile_interval

Statistic = Callable[[np.ndarray], np.ndarray]
"""``(n_resamples, n) item indices -> (n_resamples,)`` differences, one per resample."""


def paired_interval(estimate: float, statistic: Statistic, n_items: int, *,
                    n_resamples: int, level: float, seed: int) -> Interval:
    """Percentile interval of ``statistic`` over ``n_resamples`` draws of ``n_items``."""
    rng = np.random.default_rng(seed)
    indices = rng.integers(n_items, size=(n_resamples, n_items))
    return percentile_interval(estimate, statistic(indices), level=level,
                               n_resamples=n_resamples, seed=seed)
