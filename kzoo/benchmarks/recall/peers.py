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


def content_keys(z, key):
    """`(len(z), key)`: row `j` is `z[j-key:j]`, the key of position `j`
    (rows `j < key` are zeros: no position there is ever read)."""
    z = np.asarray(z, np.float32)
    keys = np.zeros((len(z), key), np.float32)
    keys[key:] = np.lib.stride_tricks.sliding_window_view(z, key)[:-1]
    return keys


def _least_squares_scale(reads, targets):
    """The `c` minimising `||c reads - targets||^2` (0 if reads are 0)."""
    power = float(reads @ reads)
    return float(reads @ targets) / power if power else 0.0


def nearest_rows(points, rows, block=2048):
    """Index of the nearest row of `rows` (squared distance) of each point,
    block by block."""
    norms = np.sum(rows.astype(np.float64) ** 2, axis=1)
    out = np.empty(len(points), np.int64)
    for i in range(0, len(points), block):
        part = points[i:i + block]
        out[i:i + block] = np.argmin(norms - 2.0 * part @ rows.T, axis=1)
    return out


class VQCacheCeiling:
    """The content task's ceiling for a hard-VQ cache that knows the key.

    What `CodebookCache` reads on `tasks.ContentTask` when its projections
    are the task's own and its softmax is infinitely sharp: the key of
    position `j` is the `key` values before it, `k_j = z[j-key:j]`, its
    value is `z[j]`, and a target `t` queries with its own key `k_t`.
    Keys are quantised to the nearest of `S = num_codes` rows drawn from
    the training positions' keys (`seed`); with `n_head = H > 1` the key
    is split into `H` groups of consecutive values, each quantised against
    its own `S` rows (method 2: `S^H` code combinations). Per head, `t`
    reads the mean value of the positions of its window
    (`t - window + key <= j < t`, every key inside the window) that share
    its code, 0 where none does; the heads' reads are averaged, and a
    scale fitted by least squares on the training targets gives the
    forecast. A source reached at distance `d` shares the mean with every
    other position of the window in its cell, so the ceiling measures how
    many codes content addressing needs at a given window.

    Args:
        window: `W`, the window length of the models.
        key: values in a key (the task's `key`).
        num_codes: `S >= 1` rows per head.
        n_head: `H >= 1`, at most `key`.
        seed: seed of the rows drawn.

    `fit(z, targets)` draws the rows and fits the scale on `targets` (and
    keeps the codes of `z`); `predict(z, targets)` reads on the same `z`.
    """

    def __init__(self, window, key, num_codes, n_head=1, seed=0):
        if num_codes < 1 or not 1 <= n_head <= key:
            raise UsageError(
                f"VQCacheCeiling: num_codes must be >= 1 and n_head in "
                f"[1, key={key}], got {num_codes} and {n_head}")
        self.window, self.key = int(window), int(key)
        self.num_codes, self.n_head, self.seed = num_codes, n_head, seed
        self.scale = 1.0

    def _reads(self, z, targets):
        targets = np.asarray(targets)
        low = np.maximum(self.key, targets - self.window + self.key)
        n = len(z)
        reads = np.zeros(len(targets))
        for codes in self.codes:
            flat = codes * n + np.arange(n)
            order = np.argsort(flat, kind="stable")
            ordered = flat[order]
            sums = np.concatenate([[0.0], np.cumsum(
                np.asarray(z, np.float64)[order])])
            left = np.searchsorted(ordered, codes[targets] * n + low)
            right = np.searchsorted(ordered, codes[targets] * n + targets)
            count = right - left
            reads += np.where(count > 0, (sums[right] - sums[left])
                              / np.maximum(count, 1), 0.0)
        return reads / self.n_head

    def fit(self, z, targets):
        keys = content_keys(z, self.key)
        pool = np.arange(self.key, np.max(targets) + 1)
        if self.num_codes > len(pool):
            raise UsageError(
                f"VQCacheCeiling: num_codes={self.num_codes} exceeds the "
                f"{len(pool)} training keys it draws rows from")
        drawn = np.random.default_rng(self.seed).choice(
            pool, self.num_codes, replace=False)
        groups = np.array_split(np.arange(self.key), self.n_head)
        self.codes = [nearest_rows(keys[:, g], keys[drawn][:, g])
                      for g in groups]
        self.length = len(z)
        reads = self._reads(z, targets)
        self.scale = _least_squares_scale(reads, np.asarray(z)[targets])
        return self

    def predict(self, z, targets):
        if len(z) != self.length:
            raise UsageError("VQCacheCeiling reads the series it was "
                             "fitted on")
        return self.scale * self._reads(z, targets)


class NearestKeyRead:
    """The content task's read without quantisation: the value of the
    nearest key in the window.

    The limit of exact softmax attention with the task's own key and an
    infinitely sharp softmax (what `VQCacheCeiling` reads before its keys
    are quantised): target `t` forecasts `scale * z[j*]`, `j*` the
    position of the window (`t - window + key <= j < t`) whose key
    `z[j-key:j]` is nearest `z[t-key:t]`; `scale` is fitted by least
    squares on the training targets.
    """

    def __init__(self, window, key):
        self.window, self.key = int(window), int(key)
        self.scale = 1.0

    def _reads(self, z, targets):
        keys = content_keys(z, self.key)
        out = np.empty(len(targets))
        for i, t in enumerate(np.asarray(targets)):
            low = max(self.key, t - self.window + self.key)
            distance = np.sum((keys[low:t] - keys[t]) ** 2, axis=1)
            out[i] = z[low + int(np.argmin(distance))]
        return out

    def fit(self, z, targets):
        reads = self._reads(z, targets)
        self.scale = _least_squares_scale(reads, np.asarray(z)[targets])
        return self

    def predict(self, z, targets):
        return self.scale * self._reads(z, targets)
