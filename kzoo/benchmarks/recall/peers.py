"""The recall benchmark's peers: least squares on the window, seasonal naive.

`WindowAR` is `kzoo.peers.LinearAR` fitted on every value of the window
(order = the window length `T`) on the models' own training windows,
solved by the normal equations accumulated block by block: a `T = 4112`
window over 18496 training windows needs a `4113 x 4113` Gram matrix, not
the 600 MB design matrix `LinearAR.fit_windows` would factorise (the
same solution: `tests/benchmarks/recall/test_peers.py`).
"""

import numpy as np

from kzoo.errors import UsageError
from kzoo.eval.metrics import nmse

#: Ridge penalties `WindowAR.select` tries (times the mean diagonal of the
#: Gram matrix per training window).
RIDGES = (0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
# Added to the diagonal of every fit: conditioning only.
_JITTER = 1e-10


def _windows(z, targets, time_steps):
    """`(len(targets), T)` windows `z[t-T:t]` of each target index `t`."""
    view = np.lib.stride_tricks.sliding_window_view(z, time_steps)
    return view[np.asarray(targets) - time_steps]


class WindowAR:
    """`z[t] ~ c + sum_k a_k z[t-k]`, `k = 1..T`, by (ridge) least squares.

    Args:
        time_steps: `T`, the window length (the order).
        block: windows per block of the Gram matrix.

    `fit(z, targets)` fits on the windows before the indices `targets` of
    `z` (each `>= T`); `predict(z, targets)` forecasts `z[targets]`.
    """

    def __init__(self, time_steps, block=1024):
        if time_steps < 1:
            raise UsageError(f"time_steps must be >= 1, got {time_steps}")
        self.time_steps = int(time_steps)
        self.block = block
        self.gram = None
        self.weights = None
        self.ridge = 0.0

    def fit(self, z, targets, ridge=0.0):
        z = np.asarray(z, np.float64)
        targets = np.asarray(targets)
        if targets.size < 2 or targets.min() < self.time_steps:
            raise UsageError(
                f"WindowAR needs >= 2 targets, each >= time_steps="
                f"{self.time_steps}")
        size = self.time_steps + 1
        gram, rhs = np.zeros((size, size)), np.zeros(size)
        for i in range(0, len(targets), self.block):
            part = targets[i:i + self.block]
            x = np.hstack([_windows(z, part, self.time_steps),
                           np.ones((len(part), 1))])
            gram += x.T @ x
            rhs += x.T @ z[part]
        self.gram, self.rhs, self.count = gram, rhs, len(targets)
        return self.solve(ridge)

    def solve(self, ridge):
        """Solve again with another ridge (relative, see `RIDGES`)."""
        scale = np.trace(self.gram[:-1, :-1]) / self.time_steps
        penalty = np.full(len(self.gram), (ridge + _JITTER) * scale)
        penalty[-1] = _JITTER * scale  # the intercept is not penalised
        self.weights = np.linalg.solve(self.gram + np.diag(penalty),
                                       self.rhs)
        self.ridge = ridge
        return self

    def predict(self, z, targets):
        z = np.asarray(z, np.float64)
        out = np.empty(len(targets))
        for i in range(0, len(targets), self.block):
            part = np.asarray(targets[i:i + self.block])
            out[i:i + len(part)] = (_windows(z, part, self.time_steps)
                                    @ self.weights[:-1] + self.weights[-1])
        return out

    def select(self, z, val_targets, ridges=RIDGES):
        """Solve with the ridge of `ridges` best on `val_targets`."""
        scores = [(self.solve(r).score(z, val_targets), r) for r in ridges]
        return self.solve(min(scores)[1])

    def score(self, z, targets):
        return nmse(self.predict(z, targets), np.asarray(z)[targets])

    def describe(self):
        ridge = f", ridge={self.ridge:g}" if self.ridge else ""
        return f"least-squares AR on the window (order {self.time_steps}" \
            f"{ridge})"


def seasonal_naive(z, targets, period):
    """`z[t - period]` for every index `t` of `targets` (each >= period)."""
    targets = np.asarray(targets)
    if targets.min() < period:
        raise UsageError(f"seasonal naive: every target must be >= the "
                         f"period {period}")
    return np.asarray(z, np.float64)[targets - period]
