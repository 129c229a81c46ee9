"""A codebook of delay vectors read softly, its values solved by ridge."""

import keras
import numpy as np
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number


def check_rows(vocab_size, n_windows, who="layer 'codebook'"):
    """`UsageError` unless `n_windows` windows can give `vocab_size` rows."""
    if vocab_size > n_windows:
        raise UsageError(
            f"vocab_size={vocab_size} of {who} exceeds the {n_windows} "
            "training windows it draws rows from.")


def solve_bytes(vocab_size, n_lags, n_windows, features=1):
    """About the most memory `RidgeCodebook.solve` holds at once, in bytes.

    The read weights of every window (`n_windows x vocab_size`, float32,
    a few at once), the design matrix in float64 and its Gram matrix.
    """
    width = vocab_size + n_lags * features + 1
    return 20 * n_windows * width + 16 * width ** 2


def seasonal_lags(time_steps, period, recent=8, spread=2):
    """Offsets of a window's values near every multiple of `period`.

    `1..recent` (the latest values) and `k * period + d` for every
    `k >= 1` and `|d| <= spread` with the offset inside the window
    (`1 <= offset <= time_steps`; offset 1 is the window's last value,
    the value one step before the target). A longer window adds the same
    phase of older periods, so a read of these offsets can average more of
    them without the `T` parameters of a read of the whole window.

    >>> seasonal_lags(10, period=4, recent=2, spread=1)
    (1, 2, 3, 4, 5, 7, 8, 9)
    """
    check_int("time_steps", time_steps)
    check_int("period", period)
    check_int("recent", recent, minimum=0)
    check_int("spread", spread, minimum=0)
    offsets = set(range(1, min(recent, time_steps) + 1))
    for k in range(1, (time_steps + spread) // period + 1):
        offsets.update(o for o in range(k * period - spread,
                                        k * period + spread + 1)
                       if 1 <= o <= time_steps)
    if not offsets:
        raise UsageError(
            f"no offsets: recent={recent} and period={period} > "
            f"time_steps={time_steps}")
    return tuple(sorted(offsets))


def _check_lags(name, lags):
    if isinstance(lags, (str, bytes)) or not hasattr(lags, "__iter__"):
        raise UsageError(f"`{name}` must be a sequence of offsets >= 1. "
                         f"Received: {name}={lags!r}")
    lags = tuple(lags)
    if not lags:
        raise UsageError(f"`{name}` must not be empty")
    for lag in lags:
        check_int(name, lag)
    if len(set(lags)) != len(lags):
        raise UsageError(f"`{name}` repeats an offset: {lags}")
    return tuple(int(lag) for lag in lags)


@keras.saving.register_keras_serializable(package="kzoo")
class RidgeCodebook(keras.layers.Layer):
    """Soft read of a table of past delay vectors; values by least squares.

    The query of a window is its delay vector
    `q = (x[T-1], x[T-1-delay], ..., x[T-1-(n_lags-1)*delay])` (flattened
    over features), or the values at the offsets `lags` back from its end,
    `q = (x[T-l_1], x[T-l_2], ...)`. The read weighs the `vocab_size` rows
    `e_v` of the table `codebook` by
    `p = softmax(-||q - e_v||^2 / (2 temperature^2))` (a soft vector
    quantisation by distance: a normalised radial-basis network, Moody and
    Darken, 1989) and returns `p @ values + r @ linear + bias`, where the
    regressors `r` are the query, or the values at the offsets
    `linear_lags` (for example `seasonal_lags`: the same phase of every
    period of a long window, read linearly while the codebook reads a
    short query).

    Nothing here is trained by gradient: `solve(x, y)` draws the table's
    rows from the delay vectors of the training windows and solves
    `values`, `linear` and `bias` in closed form by ridge regression
    (`ridge` times the identity added to the normal equations, in float64).
    A bigger table reads a finer partition of the attractor.

    Args:
        vocab_size: rows of the table, `V >= 1` (at most the number of
            training windows given to `solve`).
        n_lags: values in a delay vector, `L >= 1`.
        delay: spacing of those values, `>= 1`.
        temperature: width of the read in z-scored units (`> 0`).
        ridge: ridge penalty of `solve` (`>= 0`).
        seed: seed of the rows `solve` draws (`None`: NumPy's global state,
            which `keras.utils.set_random_seed` seeds).
        lags: `None`, or the query's offsets back from the window's end
            (distinct integers `>= 1`; 1 is the last value), in place of
            `n_lags` and `delay` (`L = len(lags)`).
        linear_lags: `None` (the query), or the offsets the linear part
            reads (`R = len(linear_lags)`).

    Variables (all non-trainable):
        `codebook`: `(V, L * F)`; `values`: `(V, F)`; `linear`:
        `(R * F, F)` (`R = L` without `linear_lags`); `bias`: `(F,)`.
        Zeros until `solve`.

    Input shape: `(B, T, F)` windows, `T >=` the largest offset
    (`(L - 1) * delay + 1` without `lags`).
    Output shape: `(B, F)`, the value after each window.

    Example:

    >>> x = keras.ops.reshape(keras.ops.arange(40.0), (10, 4, 1)) / 40
    >>> y = x[:, -1] + 1 / 40  # the next value of each ramp
    >>> layer = RidgeCodebook(vocab_size=5, n_lags=2, delay=1, seed=0)
    >>> layer.solve(x, y)
    >>> error = keras.ops.max(keras.ops.abs(layer(x) - y))
    >>> bool(error < 1e-4)
    True
    """

    def __init__(self, vocab_size, n_lags=10, delay=4, temperature=0.8,
                 ridge=1e-12, seed=None, lags=None, linear_lags=None,
                 **kwargs):
        super().__init__(**kwargs)
        check_int("vocab_size", vocab_size)
        check_int("n_lags", n_lags)
        check_int("delay", delay)
        check_number("temperature", temperature, minimum=0)
        check_number("ridge", ridge, minimum=0, strict=False)
        if seed is not None:
            check_int("seed", seed, minimum=0)
        self.vocab_size = vocab_size
        self.n_lags = n_lags
        self.delay = delay
        self.temperature = float(temperature)
        self.ridge = float(ridge)
        self.seed = seed
        self.lags = None if lags is None else _check_lags("lags", lags)
        self.linear_lags = (None if linear_lags is None
                            else _check_lags("linear_lags", linear_lags))
        self.query_lags = self.lags or tuple(
            1 + i * delay for i in range(n_lags))

    @property
    def span(self):
        """Values a window needs: its largest offset (`(n_lags - 1) *
        delay + 1` without `lags` and `linear_lags`)."""
        return max(self.query_lags + (self.linear_lags or ()))

    def build(self, input_shape):
        length, features = input_shape[1], input_shape[-1]
        if isinstance(length, int) and length < self.span:
            what = ("its largest offset" if self.lags or self.linear_lags
                    else "(n_lags - 1) * delay + 1")
            raise UsageError(
                f"Layer '{self.name}' needs windows of at least "
                f"{what} = {self.span} values, got T={length}.")
        width = len(self.query_lags) * features
        linear = len(self.linear_lags or self.query_lags) * features
        for name, shape in (("codebook", (self.vocab_size, width)),
                            ("values", (self.vocab_size, features)),
                            ("linear", (linear, features)),
                            ("bias", (features,))):
            setattr(self, name, self.add_weight(
                name=name, shape=shape, initializer="zeros",
                trainable=False))

    def query(self, inputs):
        """The delay vectors `(B, L * F)` of windows `(B, T, F)`."""
        return _at(inputs, self.query_lags)

    def regressors(self, inputs, query=None):
        """What the linear part reads: `(B, R * F)`."""
        if self.linear_lags is None:
            return self.query(inputs) if query is None else query
        return _at(inputs, self.linear_lags)

    def weights_of(self, query):
        """The read's weights `(B, V)` for queries `(B, L * F)`."""
        distance = (
            ops.sum(ops.square(query), axis=-1, keepdims=True)
            - 2.0 * ops.matmul(query, ops.transpose(self.codebook))
            + ops.sum(ops.square(self.codebook), axis=-1)[None, :])
        return ops.softmax(-distance / (2.0 * self.temperature ** 2),
                           axis=-1)

    def call(self, inputs):
        query = self.query(inputs)
        return (ops.matmul(self.weights_of(query), self.values)
                + ops.matmul(self.regressors(inputs, query), self.linear)
                + self.bias)

    def solve(self, x, y):
        """Draw the table from windows `x` and fit the rest to targets `y`.

        Args:
            x: `(N, T, F)` training windows, `N >= vocab_size`.
            y: `(N, F)` the value after each window.
        """
        x = np.asarray(ops.convert_to_numpy(x), dtype="float32")
        y = np.asarray(ops.convert_to_numpy(y), dtype="float64")
        if not self.built:
            self.build(x.shape)
        check_rows(self.vocab_size, len(x), f"layer '{self.name}'")
        query = ops.convert_to_numpy(self.query(x))
        rng = (np.random.default_rng(self.seed) if self.seed is not None
               else np.random)
        rows = rng.choice(len(query), self.vocab_size, replace=False)
        self.codebook.assign(query[np.sort(rows)])
        read = ops.convert_to_numpy(self.weights_of(query))
        linear = ops.convert_to_numpy(self.regressors(x, query))
        design = np.concatenate(
            [read, linear, np.ones((len(query), 1), "float32")],
            axis=1).astype("float64")
        gram = design.T @ design + self.ridge * np.eye(design.shape[1])
        solution = np.linalg.solve(gram, design.T @ y)
        width = linear.shape[1]
        self.values.assign(solution[:self.vocab_size].astype("float32"))
        self.linear.assign(
            solution[self.vocab_size:self.vocab_size + width].astype(
                "float32"))
        self.bias.assign(solution[-1].astype("float32"))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocab_size": self.vocab_size, "n_lags": self.n_lags,
            "delay": self.delay, "temperature": self.temperature,
            "ridge": self.ridge, "seed": self.seed,
            "lags": None if self.lags is None else list(self.lags),
            "linear_lags": (None if self.linear_lags is None
                            else list(self.linear_lags)),
        })
        return config


def _at(inputs, offsets):
    """The values at `offsets` back from the end of windows `(B, T, F)`,
    concatenated over the offsets: `(B, len(offsets) * F)`."""
    length = ops.shape(inputs)[1]
    return ops.concatenate([inputs[:, length - lag, :] for lag in offsets],
                           axis=-1)
