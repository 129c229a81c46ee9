"""Train/validation splits of windows."""

import numpy as np

from kzoo.errors import UsageError

SPLITS = ("random", "chrono")


def split_indices(count, time_steps, kind="random", seed=42, train=0.8):
    """Indices of training and validation windows.

    `random`: the reference protocol, windows shuffled with `seed`, the
    first `train` fraction trains. `chrono`: the first `train` fraction of
    windows trains; validation windows start at or after the first value
    no training window touches (inputs or target), so none straddles the
    boundary (`time_steps` windows in between are dropped).
    """
    if kind == "random":
        order = np.random.RandomState(seed).permutation(count)
        cut = int(round(train * count))
        return np.sort(order[:cut]), np.sort(order[cut:])
    if kind == "chrono":
        cut = int(round(train * count))
        # Training window i uses values i .. i + ts; the last one, cut - 1,
        # ends at cut - 1 + ts, so validation starts at cut + ts.
        return np.arange(cut), np.arange(min(cut + time_steps, count), count)
    raise UsageError(f"split must be one of {', '.join(SPLITS)}, got {kind!r}")
