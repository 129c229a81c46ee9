"""An echo state network from reservoirpy: `Reservoir` + `Ridge` readout.

The reservoir (reservoirpy's leaky-tanh `Reservoir` node) reads the series
one value at a time:

.. math::

    x_t = (1 - \\alpha) x_{t-1}
          + \\alpha \\tanh(W x_{t-1} + W_{in} z_t + b)

with `W` sparse random scaled to `spectral_radius`, `W_in` random +/-
`input_scaling` (reservoirpy's defaults: 10% connectivity for both) and
`b` random +/- `bias_scaling`. A linear readout (reservoirpy's `Ridge`,
with intercept) maps the state after `z_t` to the forecast of `z_{t+1}`:
`z_hat_{t+1} = W_out x_t + c`, clipped to the training values' range
widened by `clip` times its width on each side (a guard: in closed loop a
readout that leaves the range it was trained on can lock onto a fixed
point far outside the data; on the Santa Fe laser the chosen reservoir's
100-step NMSE went from 643 to 0.64 with `clip=0.1`).

One-step forecasts drive the reservoir with the true values (teacher
forcing). A rollout from `s` starts from the state after the true
`z[:s]` and then runs in closed loop: each forecast is fed back as the
next input. The states on the true series are computed once and kept for
the last series seen, so `fit`, `one_step` and `rollout` on the same
series (or on a longer series that extends it) share one reservoir run.
"""

import numpy as np
from reservoirpy.mat_gen import bernoulli
from reservoirpy.nodes import Reservoir
from reservoirpy.nodes import Ridge

from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.peers.base import Peer


class EchoStateNetwork(Peer):
    """Echo state network forecaster (reservoirpy `Reservoir` + `Ridge`).

    Args:
        units: reservoir size, an integer >= 1.
        spectral_radius: spectral radius of `W`, > 0.
        leak_rate: `alpha` in (0, 1].
        input_scaling: scale of `W_in`, > 0.
        ridge: readout L2 penalty, >= 0.
        bias_scaling: scale of the reservoir bias `b`, >= 0. A zero bias
            makes every state an odd function of the inputs (tanh is odd),
            which the readout cannot undo: on Mackey-Glass, 12 reservoirs
            of 500 units had 84-step closed-loop errors 1.1x to 3000x
            (median about 150x) smaller with 0.3 than with 0.
        warmup: states discarded at the start of the training series (the
            reservoir starts from zero), an integer >= 0.
        seed: seed of the random weights; same seed, same forecasts.
        clip: forecasts are kept within the training range widened by
            `clip` times its width on each side; `None` turns this off.

    The readout sees the reservoir state only, not the input: fed back
    through a direct input weight, forecasts can grow without bound (some
    Mackey-Glass trials reached 1e8). One-step forecasts near the start of a
    series suffer from the reservoir's zero initial state (`warmup` steps
    to forget it); `min_start` is 1 all the same.

    >>> import numpy as np
    >>> z = np.sin(0.2 * np.arange(400))
    >>> esn = EchoStateNetwork(units=50, warmup=50, seed=0).fit(z[:300])
    >>> bool(np.max(np.abs(esn.one_step(z, 300, 400) - z[300:])) < 1e-2)
    True
    """

    name = "esn"

    def __init__(self, units=300, spectral_radius=1.1, leak_rate=0.3,
                 input_scaling=0.5, ridge=1e-7, bias_scaling=0.3,
                 warmup=100, seed=0, clip=0.1):
        super().__init__()
        check_int("units", units)
        check_number("spectral_radius", spectral_radius, minimum=0)
        check_number("leak_rate", leak_rate, minimum=0, maximum=1)
        check_number("input_scaling", input_scaling, minimum=0)
        check_number("ridge", ridge, minimum=0, strict=False)
        check_number("bias_scaling", bias_scaling, minimum=0, strict=False)
        check_int("warmup", warmup, minimum=0)
        check_int("seed", seed, minimum=0)
        if clip is not None:
            check_number("clip", clip, minimum=0, strict=False)
        self.units = int(units)
        self.spectral_radius = float(spectral_radius)
        self.leak_rate = float(leak_rate)
        self.input_scaling = float(input_scaling)
        self.ridge = float(ridge)
        self.bias_scaling = float(bias_scaling)
        self.warmup = int(warmup)
        self.seed = int(seed)
        self.clip = None if clip is None else float(clip)
        bias = (bernoulli(input_scaling=self.bias_scaling)
                if self.bias_scaling else 0.0)
        self.reservoir = Reservoir(
            self.units, lr=self.leak_rate, sr=self.spectral_radius,
            input_scaling=self.input_scaling, bias=bias, seed=self.seed)
        self.readout = None
        self.bounds_ = (-np.inf, np.inf)
        self._cache = (np.zeros(0), np.zeros((0, self.units)))

    def get_config(self):
        return {
            "units": self.units,
            "spectral_radius": self.spectral_radius,
            "leak_rate": self.leak_rate,
            "input_scaling": self.input_scaling,
            "ridge": self.ridge,
            "bias_scaling": self.bias_scaling,
            "warmup": self.warmup,
            "seed": self.seed,
            "clip": self.clip,
        }

    def min_train_length(self):
        return self.warmup + 2

    def states(self, z):
        """`(len(z), units)`: row `t` is the state after reading `z[:t+1]`.

        The reservoir starts from zero before `z[0]`. Reuses the states of
        the last series seen when `z` is a prefix or an extension of it.
        """
        z = np.asarray(z, np.float64)
        seen, states = self._cache
        n = min(len(z), len(seen))
        if not np.array_equal(z[:n], seen[:n]):
            seen, states = seen[:0], states[:0]
        if len(z) <= len(seen):
            return states[:len(z)]
        start = states[-1] if len(states) else np.zeros(self.units)
        self.reservoir.state = {"out": start.copy()}
        new = self.reservoir.run(z[len(seen):, None])
        self._cache = (z.copy(), np.concatenate([states, new]))
        return self._cache[1]

    def _fit(self, z):
        inputs = self.states(z)[self.warmup:-1]
        self.readout = Ridge(ridge=self.ridge).fit(
            inputs, z[self.warmup + 1:, None])
        if self.clip is not None:
            margin = self.clip * (z.max() - z.min())
            self.bounds_ = (z.min() - margin, z.max() + margin)

    def _forecast(self, states):
        """The readout's forecasts from `(n, units)` states, clipped."""
        return np.clip(self.readout.run(states)[:, 0], *self.bounds_)

    def _one_step(self, z, start, end):
        return self._forecast(self.states(z[:end - 1])[start - 1:])

    def _rollout(self, z, starts, steps):
        states = self.states(z[:starts.max()])[starts - 1]
        out = np.empty((len(starts), steps))
        out[:, 0] = self._forecast(states)
        for i, state in enumerate(states):
            self.reservoir.state = {"out": state.copy()}
            for h in range(1, steps):
                new = self.reservoir.step(out[i, h - 1:h])
                out[i, h] = self._forecast(new[None])[0]
        return out

    def _with_ridge(self, ridge):
        """A copy with another readout penalty sharing this reservoir.

        The copy shares the reservoir node and its cached states (used by
        `select_esn` to fit every ridge value on one reservoir run).
        """
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.ridge, other.readout, other.fitted = float(ridge), None, False
        return other
