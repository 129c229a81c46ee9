"""A series made ready to fit: z-scored, windowed and split."""

import dataclasses

import numpy as np

from kzoo.data.splits import split_indices
from kzoo.data.windows import ZScore
from kzoo.data.windows import make_windows


@dataclasses.dataclass
class Windows:
    """The z-scored training and validation windows of one series.

    Attributes:
        norm: the z-score statistics (of the whole series, as the
            reference).
        x_train, y_train: `(n, T, 1)` inputs and their targets (`(n, T, 1)`
            aligned or `(n, 1)` last-step).
        x_val, y_val: the same for validation.
        next_val: `(n_val,)` the z-scored value right after each validation
            window (what `val_mse_next` scores).
        z: `(N,)` the whole z-scored series.
        val_index: `(n_val,)` where in `z` each `next_val` is.
    """

    norm: ZScore
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    next_val: np.ndarray
    z: np.ndarray = None
    val_index: np.ndarray = None

    @property
    def train(self):
        return self.x_train, self.y_train

    @property
    def validation(self):
        return self.x_val, self.y_val


def prepare(series, time_steps, target="aligned", split="random"):
    """z-score `series`, cut windows of `time_steps` and split them."""
    norm = ZScore.fit(series.values)
    z = norm.transform(series.values)
    x, y = make_windows(z, time_steps, target)
    train, val = split_indices(len(x), time_steps, split)
    next_values = z[np.arange(len(x)) + time_steps].astype(np.float32)
    return Windows(norm, x[train], y[train], x[val], y[val], next_values[val],
                   z, val + time_steps)
