"""What every peer shares: the forecasting interface and argument checks.

A peer forecasts a z-scored univariate series `z` with the semantics of
`kzoo.eval.forecast`:

- `one_step(z, start, end)`: forecasts of `z[start:end]`, each from the
  true history before it (`z[t]` from `z[:t]`).
- `rollout(z, starts, steps)`: regressive forecasts; start `s` uses the
  true history `z[:s]`, forecasts `z[s]`, then feeds each forecast back as
  the newest value. Column `h` forecasts `z[s + h]`.

Only `z[:t]` is read to forecast `z[t]`, so `z` may end where the
forecasts start (`start == len(z)` in a rollout forecasts beyond it).
Checks raise `ValueError` naming the argument (`kzoo.layers.checks`).
"""

import numpy as np

from kzoo.errors import UsageError
from kzoo.layers.checks import check_int


def as_series(name, z, min_length=1):
    """`z` as a 1-D float64 array of finite values, at least `min_length`."""
    array = np.asarray(z, dtype=np.float64)
    if array.ndim != 1 or len(array) < min_length:
        raise UsageError(
            f"`{name}` must be a 1-D array of at least {min_length} values. "
            f"Received: {name} of shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise UsageError(
            f"`{name}` must hold finite values. Received: {name} with "
            f"{int(np.sum(~np.isfinite(array)))} non-finite value(s)"
        )
    return array


class Peer:
    """Base class: checks the arguments, subclasses forecast.

    Subclasses set `name`, implement `_fit(z)`, `_one_step(z, start, end)`
    and `_rollout(z, starts, steps)` on checked arguments, and
    `get_config()` (the constructor's arguments, as in Keras).

    Attributes:
        name: short name used in tables (`"persistence"`, `"ar"`, `"esn"`).
        min_start: the first index a forecast can start at (history needed).
        selection: set by `kzoo.peers.select`: the candidates' validation
            scores and the chosen settings, else `None`.
    """

    name = "peer"
    min_start = 1
    selection = None

    def __init__(self):
        self.fitted = False

    def fit(self, z_train):
        """Fit on `(N,)` z-scored training values; returns `self`."""
        z_train = as_series("z_train", z_train, self.min_train_length())
        self._fit(z_train)
        self.fitted = True
        return self

    def min_train_length(self):
        """The fewest training values `fit` accepts."""
        return self.min_start + 1

    def one_step(self, z, start=None, end=None):
        """`(end - start,)` forecasts of `z[start:end]` from the true history.

        `start` defaults to `min_start`, `end` to `len(z)`.
        """
        self._check_fitted()
        z = as_series("z", z)
        start = self.min_start if start is None else start
        end = len(z) if end is None else end
        check_int("start", start, self.min_start, max(len(z) - 1,
                                                      self.min_start))
        check_int("end", end, start + 1, len(z))
        return np.asarray(self._one_step(z, int(start), int(end)),
                          np.float64)

    def rollout(self, z, starts, steps):
        """`(len(starts), steps)` regressive forecasts, fed back.

        Start `s` (in `[min_start, len(z)]`) uses the true `z[:s]`; column
        `h` forecasts `z[s + h]`.
        """
        self._check_fitted()
        z = as_series("z", z)
        check_int("steps", steps)
        starts = np.asarray(starts)
        if (starts.ndim != 1 or starts.size == 0
                or not np.issubdtype(starts.dtype, np.integer)
                or starts.min() < self.min_start or starts.max() > len(z)):
            raise UsageError(
                f"`starts` must be a non-empty 1-D sequence of integers in "
                f"[{self.min_start}, {len(z)}] (min_start, len(z)). "
                f"Received: starts={_short(starts)}"
            )
        out = self._rollout(z, starts.astype(int), int(steps))
        return np.asarray(out, np.float64).reshape(len(starts), steps)

    def get_config(self):
        """The constructor's arguments: `type(peer)(**peer.get_config())`."""
        return {}

    def describe(self):
        """One line: the name and the settings, e.g. `ar(order=30)`."""
        settings = ", ".join(f"{k}={v:g}" if isinstance(v, float)
                             else f"{k}={v}"
                             for k, v in self.get_config().items())
        return f"{self.name}({settings})"

    def __repr__(self):
        return self.describe()

    def _check_fitted(self):
        if not self.fitted:
            raise UsageError(
                f"{self.describe()} is not fitted: call fit(z_train) first"
            )


def _short(array, limit=6):
    values = np.asarray(array).ravel().tolist()
    more = ", ..." if len(values) > limit else ""
    return "[" + ", ".join(map(str, values[:limit])) + more + "]"
