"""Normalisation and windows of a series."""

import dataclasses

import numpy as np

from kzoo.data.series import DataError
from kzoo.errors import UsageError


@dataclasses.dataclass
class ZScore:
    """z-score normalisation; its statistics are saved with every run."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values):
        std = float(np.std(values))
        if not std > 0:
            raise DataError("the series is constant: cannot z-score it")
        return cls(float(np.mean(values)), std)

    def transform(self, values):
        return (np.asarray(values, np.float64) - self.mean) / self.std

    def inverse(self, values):
        return np.asarray(values, np.float64) * self.std + self.mean

    def to_dict(self):
        return {"mean": self.mean, "std": self.std}


def n_windows(length, time_steps):
    """Windows `x[i:i+ts]` that have a next value `x[i+ts]`."""
    return length - time_steps


def check_length(length, time_steps):
    if n_windows(length, time_steps) < 2:
        raise DataError(
            f"the series has {length} values: too short for "
            f"time_steps={time_steps} (needs at least {time_steps + 2})"
        )


def make_windows(values, time_steps, target="aligned"):
    """Inputs `(n, ts, 1)` and targets of every window, as float32.

    `target="aligned"`: `x[i+1 : i+ts+1]`, `(n, ts, 1)` (codebook models);
    `target="last"`: `x[i+ts]`, `(n, 1)` (the LSTM).
    """
    values = np.asarray(values, np.float32)
    check_length(len(values), time_steps)
    count = n_windows(len(values), time_steps)
    view = np.lib.stride_tricks.sliding_window_view(values, time_steps + 1)
    view = view[:count]
    inputs = np.ascontiguousarray(view[:, :-1, None])
    if target == "aligned":
        targets = np.ascontiguousarray(view[:, 1:, None])
    elif target == "last":
        targets = np.ascontiguousarray(view[:, -1:])
    else:
        raise UsageError(f"target must be 'aligned' or 'last', got {target!r}")
    return inputs, targets
