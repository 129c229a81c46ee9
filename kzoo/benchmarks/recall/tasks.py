"""The recall tasks: what each series is, its floor and its windows.

Every task is defined once here: a generator of its series (a fixed,
documented data seed; the model's seed is the run's), the lowest NMSE
any model can reach (`floor`), and how its windows are cut.

- `LagTask`: fixed-lag recall, `x[t] = a x[t-K] + sqrt(1 - a^2) e[t]`.
- `ContentTask`: content-addressed recall (associative recall / induction
  heads on real values).
- `TaylorTask`: pmdarima's Taylor electricity demand against the lookback.

kzoo's chronological split (`kzoo.data.split_indices`) trains on the
first 80 % of the windows and validates on the windows that start after
the last training target, so `N` windows give `0.8 N` training windows
and `0.2 N - T` validation windows. A fixed training window count `W` is
therefore possible at every window length `T` only if `W / 4 >= T + V`
(`V` validation windows at least): the synthetic tasks fix `W` from their
longest window.
"""

import dataclasses

import numpy as np

from kzoo import data
from kzoo.errors import UsageError

#: The window of lag `K` is `max(MIN_WINDOW, K + MARGIN)` values long.
MARGIN = 16
MIN_WINDOW = 32
#: Powers of two from 8 to 4096: the lag task's default lags.
LAGS = tuple(2 ** k for k in range(3, 13))


def time_steps(lag):
    """The window length at lag `lag`: `max(32, lag + 16)`."""
    return max(MIN_WINDOW, lag + MARGIN)


def predictable(lag):
    """Positions of a lag-`lag` window whose next value the window can
    predict (the value `lag` back is in it): the last
    `time_steps(lag) - lag + 1`. Aligned models that can score a tail
    (`loss_positions`) train on these only."""
    return time_steps(lag) - lag + 1


def fixed_windows(longest, min_val):
    """Training windows `W = 4 (longest + min_val)` (a multiple of 4):
    a chronological split of `5 W / 4` windows of up to `longest` values
    then trains on exactly `W` and validates on at least `min_val`."""
    return 4 * (longest + min_val)


@dataclasses.dataclass(frozen=True)
class LagTask:
    """Fixed-lag recall: the next value depends on the value `K` back only.

    `x[t] = a x[t-K] + sqrt(1 - a^2) e[t]`, `e` standard normal, the first
    `K` values `e[0..K-1]`: every value is N(0, 1) from the start (no
    transient). The best forecast of `x[t]` from any window holding
    `x[t-K]` is `a x[t-K]`, so the floor NMSE is `1 - a^2` (0.0591 for
    0.97), and a linear map of the window reaches it.

    Windows are `time_steps(K)` long at every lag, and every lag trains
    on the same `train_windows = 4 (time_steps(max_lag) + min_val)`
    windows (18496 by default); the series of lag `K` holds
    `time_steps(K) + 5 train_windows / 4` values, and its validation
    windows are `train_windows / 4 - time_steps(K)` (4592 at K = 8, 512
    at K = 4096). The data seed `seed` is the same for every lag.
    """

    a: float = 0.97
    max_lag: int = 4096
    min_val: int = 512
    seed: int = 0

    @property
    def floor(self):
        return 1 - self.a ** 2

    @property
    def train_windows(self):
        return fixed_windows(time_steps(self.max_lag), self.min_val)

    def length(self, lag):
        """Values in the series of lag `lag`."""
        return time_steps(lag) + self.train_windows * 5 // 4

    def val_windows(self, lag):
        return self.train_windows // 4 - time_steps(lag)

    def check(self, lag):
        """`UsageError` unless `lag` is an integer in [1, max_lag]."""
        if (isinstance(lag, bool) or not isinstance(lag, (int, np.integer))
                or not 1 <= lag <= self.max_lag):
            raise UsageError(
                f"lag {lag!r}: the lag task takes integer lags from 1 to "
                f"{self.max_lag} (its {self.train_windows} training windows "
                f"and {self.min_val} validation windows fit no longer one)")

    def values(self, lag):
        """The `(length(lag),)` series, generated K values at a time."""
        self.check(lag)
        rng = np.random.default_rng(self.seed)
        x = rng.normal(size=self.length(lag))
        scale = np.sqrt(1 - self.a ** 2)
        for t in range(lag, len(x), lag):
            end = min(t + lag, len(x))
            x[t:end] = self.a * x[t - lag:end - lag] + scale * x[t:end]
        return x

    def series(self, lag):
        return data.Series(
            self.values(lag), f"recall{lag}", "x", spec=f"recall:{lag}",
            source=f"synthetic recall, lag {lag}, a={self.a}")


@dataclasses.dataclass(frozen=True)
class ContentTask:
    """Content-addressed recall: continue a segment seen earlier.

    The real-valued form of associative recall as Zoology's multi-query
    associative recall (MQAR, Arora et al. 2023) and of the induction
    heads of Olsson et al. (2022) and Mamba's induction-heads / selective
    copying tasks (Gu & Dao 2023): a model must find an earlier occurrence
    of what it has just seen by its content, at an unknown distance, and
    continue it.

    The series is standard normal noise `e` in which recurrences of `n =
    key + continuation` values start at `r`: `x[r+j] = a x[s+j] +
    sqrt(1 - a^2) e'[j]`, `j < n`, a noisy copy of the `n` values from
    `s = r - d`. The distances `d` are drawn log-uniformly in
    `[n, window - key]` (rounded). The first recurrence starts at
    `window` (the values before it are noise only), each next one
    `spacing` values after the previous start, moved on by as many values
    as it takes for its source `[s, s+n)` to overlap no recurrence
    (sources are fresh values, never copies). The data seed is `seed`.

    Scored: the `continuation` positions `r+key .. r+n-1` of each
    recurrence. There, the last `key` values of the window are a noisy
    copy of the source's values just before `s+j`, which lie in the
    window (`d <= window - key`), so a model that finds them forecasts
    `a x[s+j]`, and the floor NMSE is `1 - a^2`; without the earlier
    occurrence the value is unpredictable (NMSE 1). The key positions
    (a recurrence's start cannot be known from its content) and the
    noise in between are not scored, but they are part of every window
    and target the models train on.

    With `a = 1` every recurrence is an exact copy of its source, as the
    keys and values of MQAR and the repeated tokens of induction heads
    recur exactly: the scored values are then determined by the window
    (floor 0), and a cache that quantises keys sends a recurrence's key
    to the same code as its source's. With `a < 1` (default 0.97) the key
    is a noisy copy too, and a key's nearest neighbour in a long window
    is often not its source (`docs/recall.md`, the ceiling).

    Windows are `window` values long; the chronological split trains on
    `4 (window + min_val)` windows and validates on `min_val`.
    """

    window: int = 512
    key: int = 8
    continuation: int = 8
    spacing: int = 48
    a: float = 0.97
    min_val: int = 8192
    seed: int = 0

    def __post_init__(self):
        n = self.key + self.continuation
        if self.key < 1 or self.continuation < 1 or self.spacing < 2 * n:
            raise UsageError(
                f"content task: key and continuation must be >= 1 and "
                f"spacing >= 2 (key + continuation) = {2 * n}")
        if not 0 < self.a <= 1:
            raise UsageError(f"content task: the copy's a must be in "
                             f"(0, 1], got {self.a}")
        if self.window - self.key < n:
            raise UsageError(
                f"--window {self.window}: the content task needs a window "
                f"of at least {n + self.key} values (distances from {n} "
                f"to window - key = {self.key})")

    @property
    def floor(self):
        return 1 - self.a ** 2

    @property
    def distances(self):
        """`(shortest, longest)` distance between source and recurrence."""
        return self.key + self.continuation, self.window - self.key

    @property
    def train_windows(self):
        return fixed_windows(self.window, self.min_val)

    @property
    def length(self):
        return self.window + self.train_windows * 5 // 4

    def recurrences(self):
        """`(starts r, distances d)` of every recurrence, as arrays."""
        rng = np.random.default_rng([self.seed, 1])
        n = self.key + self.continuation
        low, high = np.log(self.distances[0]), np.log(self.distances[1])
        taken = np.zeros(self.length, bool)
        starts, distances = [], []
        r = self.window
        while True:
            d = int(round(np.exp(rng.uniform(low, high))))
            # The recurrence moves on until its source is fresh values.
            while taken[r - d:r - d + n].any():
                r += 1
            if r + n > self.length:
                break
            taken[r:r + n] = True
            starts.append(r)
            distances.append(d)
            r += self.spacing
        return np.array(starts), np.array(distances)

    def values(self):
        rng = np.random.default_rng(self.seed)
        x = rng.normal(size=self.length)
        n, scale = self.key + self.continuation, np.sqrt(1 - self.a ** 2)
        for r, d in zip(*self.recurrences()):
            x[r:r + n] = self.a * x[r - d:r - d + n] + scale * x[r:r + n]
        return x

    def scored(self):
        """`(positions, distances)`: every scored index of the series and
        the distance of its recurrence."""
        starts, distances = self.recurrences()
        j = np.arange(self.key, self.key + self.continuation)
        positions = (starts[:, None] + j).ravel()
        return positions, np.repeat(distances, self.continuation)

    @property
    def exact_copies(self):
        """Whether recurrences are exact copies (`a = 1`)."""
        return self.a == 1

    def series(self):
        copies = "" if self.a == ContentTask.a else f"a{self.a:g}"
        return data.Series(
            self.values(), f"content{self.window}{copies}", "x",
            spec=f"content:{self.window}" + (f":a={self.a:g}" * bool(copies)),
            source=f"synthetic content recall, window {self.window}, "
            f"a={self.a:g}")


@dataclasses.dataclass(frozen=True)
class TaylorTask:
    """Half-hourly electricity demand (pmdarima's `load_taylor`).

    England and Wales, 2000: 4032 values, a daily period of 48 and a
    weekly one of 336. The last `test` values (two weeks by default) are
    held out: each model trains on the values before them (the built-in
    `taylor[0:3360]`) with a random split of its windows (a chronological
    one does not fit windows of 1344 values into 3360), and is scored on
    the held-out values, each forecast from the true history before it.
    """

    test: int = 672
    period: int = 336

    def series(self):
        """`(whole series, training part)`."""
        whole = data.load("taylor")
        cut = len(whole.values) - self.test
        return whole, data.load(f"taylor[0:{cut}]")
