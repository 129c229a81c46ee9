"""Linear peers: persistence and a least-squares autoregressive model."""

import numpy as np

from kzoo.errors import UsageError
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.peers.base import Peer
from kzoo.peers.base import as_series


class Persistence(Peer):
    """The last value: `z_hat[t] = z[t - 1]`; a rollout repeats it.

    Nothing to fit (`fit` only checks its argument).

    >>> import numpy as np
    >>> peer = Persistence().fit(np.arange(5.0))
    >>> peer.rollout(np.arange(5.0), [3], 2)
    array([[2., 2.]])
    """

    name = "persistence"

    def _fit(self, z):
        pass

    def _one_step(self, z, start, end):
        return z[start - 1:end - 1]

    def _rollout(self, z, starts, steps):
        return np.repeat(z[starts - 1][:, None], steps, axis=1)


class LinearAR(Peer):
    """Autoregressive model of order `p` fitted by least squares.

    .. math::

        \\hat z_t = c + \\sum_{k=1}^{p} a_k z_{t-k}

    `(c, a)` minimise `sum_t (z_t - z_hat_t)^2 + ridge * |a|^2` over the
    training values `t = p .. N-1` (the intercept is not penalised). With
    `ridge=0` this is ordinary least squares (`numpy.linalg.lstsq`, which
    also copes with a rank-deficient design).

    Args:
        order: `p`, the number of past values, an integer >= 1.
        ridge: L2 penalty on `a`, >= 0; a small value (e.g. 1e-8) only
            helps conditioning.

    Attributes (after `fit`):
        coef_: `(p,)` the coefficients `a_1 .. a_p` (lag 1 first).
        intercept_: `c`.

    >>> import numpy as np
    >>> z = np.sin(0.3 * np.arange(200))
    >>> ar = LinearAR(order=2).fit(z)
    >>> np.round(ar.coef_, 3)  # sin obeys z_t = 2 cos(0.3) z_{t-1} - z_{t-2}
    array([ 1.911, -1.   ])
    """

    name = "ar"

    def __init__(self, order, ridge=0.0):
        super().__init__()
        check_int("order", order)
        check_number("ridge", ridge, minimum=0, strict=False)
        self.order = int(order)
        self.ridge = float(ridge)
        self.coef_ = None
        self.intercept_ = None

    @property
    def min_start(self):
        return self.order

    def min_train_length(self):
        # At least one more equation than unknowns (p coefficients + c).
        return 2 * self.order + 2

    def get_config(self):
        config = {"order": self.order}
        if self.ridge:
            config["ridge"] = self.ridge
        return config

    def fit_windows(self, windows, targets):
        """Fit on `(N, T)` windows and the `(N,)` value after each.

        Only each window's last `order` values are used (`T >= order`), so
        the pairs may come from anywhere in a series (e.g. the training
        windows of a random split, `kzoo.data.prepare`). Returns `self`.
        """
        windows = np.asarray(windows, np.float64)
        targets = np.asarray(targets, np.float64)
        if (windows.ndim != 2 or windows.shape[1] < self.order
                or targets.shape != (len(windows),)
                or len(windows) < self.order + 2):
            raise UsageError(
                f"`windows` must be (N, T) with T >= order={self.order} and "
                f"N >= {self.order + 2}, `targets` (N,). Received: windows "
                f"of shape {windows.shape}, targets of shape {targets.shape}"
            )
        as_series("windows", windows.ravel())
        as_series("targets", targets)
        self._solve(windows[:, -self.order:], targets)
        self.fitted = True
        return self

    def predict_windows(self, windows):
        """`(N,)` forecasts of the value after each of `(N, T)` windows."""
        self._check_fitted()
        windows = np.asarray(windows, np.float64)
        if windows.ndim != 2 or windows.shape[1] < self.order:
            raise UsageError(
                f"`windows` must be (N, T) with T >= order={self.order}. "
                f"Received: windows of shape {windows.shape}")
        return windows[:, -self.order:] @ self._weights() + self.intercept_

    def _fit(self, z):
        windows = _windows(z, self.order)[:-1]  # (N - p, p), oldest first
        self._solve(windows, z[self.order:])

    def _solve(self, windows, targets):
        x_mean, y_mean = windows.mean(0), targets.mean()
        design, rhs = windows - x_mean, targets - y_mean
        if self.ridge:
            design = np.vstack([design,
                                np.sqrt(self.ridge) * np.eye(self.order)])
            rhs = np.concatenate([rhs, np.zeros(self.order)])
        weights = np.linalg.lstsq(design, rhs, rcond=None)[0]
        self.coef_ = weights[::-1].copy()
        self.intercept_ = float(y_mean - x_mean @ weights)

    def _weights(self):
        """The coefficients oldest first, to multiply windows."""
        return self.coef_[::-1]

    def _one_step(self, z, start, end):
        windows = _windows(z[start - self.order:end - 1], self.order)
        return windows @ self._weights() + self.intercept_

    def _rollout(self, z, starts, steps):
        # One (S, p) window per start, shifted left by each forecast.
        windows = np.stack([z[s - self.order:s] for s in starts])
        weights = self._weights()
        out = np.empty((len(starts), steps))
        with np.errstate(over="ignore", invalid="ignore"):
            for h in range(steps):
                out[:, h] = windows @ weights + self.intercept_
                windows = np.concatenate([windows[:, 1:], out[:, h:h + 1]],
                                         axis=1)
        return out


def _windows(z, p):
    """`(len(z) - p + 1, p)` windows `z[i : i + p]`, oldest value first."""
    return np.lib.stride_tricks.sliding_window_view(z, p)
