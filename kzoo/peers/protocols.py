"""The two standard benchmarks, for any peer.

Each protocol takes `choose(z_train, z_val)`, a function returning a
fitted peer from a training part and the validation part right after it
(both z-scored with the training statistics), e.g.::

    laser_protocol(lambda t, v: Persistence().fit(np.concatenate([t, v])))
    laser_protocol(lambda t, v: select_ar(t, v))
    laser_protocol(lambda t, v: select_esn(t, v, criterion="rollout",
                                           horizon=50))

NMSE is the mean squared error over the variance of the true values;
NRMSE is its square root (RMSE over their standard deviation). Both are
the same in z-scored and original units.
"""

import time

import numpy as np


def laser_protocol(choose, validation=200):
    """Santa Fe laser: train on points 1-1000, forecast points 1001-1100.

    The series (`kzoo.data.load("laser")`) is z-scored with the mean and
    standard deviation of its first 1000 values (indices 0..999); `choose`
    gets `z[:1000 - validation]` and `z[1000 - validation:1000]`.

    Returns:
        dict: `peer` (its `describe()`), `rollout_nmse` (one 100-step
        fed-back forecast from index 1000, against the true 1001-1100),
        `one_step_nmse` (the same 100 points, each from the true history),
        `forecast` (the `(100,)` rollout, z-scored) and `seconds` (choose,
        fit and forecast).
    """
    from kzoo.data import ZScore
    from kzoo.data import load

    values = load("laser").values
    z = ZScore.fit(values[:1000]).transform(values)
    cut, end = 1000 - validation, 1000
    began = time.perf_counter()
    peer = choose(z[:cut], z[cut:end])
    forecast = peer.rollout(z[:end], [end], 100)[0]
    one_step = peer.one_step(z[:end + 100], end, end + 100)
    seconds = time.perf_counter() - began
    truth = z[end:end + 100]
    return {
        "peer": peer.describe(),
        "rollout_nmse": _nmse(forecast, truth),
        "one_step_nmse": _nmse(one_step, truth),
        "forecast": forecast,
        "truth": truth,
        "seconds": seconds,
    }


def mackey_glass_protocol(choose, train=2000, test=500, validation=400,
                          horizon=84, n_starts=20):
    """Mackey-Glass (tau = 17): one-step and 84-step fed-back NRMSE.

    The built-in `mackey_glass` series (reservoirpy's, its 100-point
    transient dropped): the first `train` values train (the last
    `validation` of them go to `choose` as `z_val`), the following `test`
    are forecast. z-scored with the training statistics.

    Returns:
        dict: `peer`, `one_step_nrmse` (every test value from the true
        history), `rollout_nrmse` (`horizon`-step fed-back forecasts from
        `n_starts` starts spread evenly over the test part, each ending
        inside it, all steps pooled), `nrmse_at_horizon` (the error at step
        `horizon` only, pooled over the starts, as Jaeger's NRMSE84),
        `seconds`. The normaliser is the standard deviation of the `test`
        true values.
    """
    from kzoo.data import load

    values = load(f"mackey_glass:{train + test}").values
    z = (values - values[:train].mean()) / values[:train].std()
    cut = train - validation
    began = time.perf_counter()
    peer = choose(z[:cut], z[cut:train])
    one_step = peer.one_step(z, train, train + test)
    starts = np.linspace(train, train + test - horizon, n_starts)
    starts = starts.round().astype(int)
    forecasts = peer.rollout(z, starts, horizon)
    seconds = time.perf_counter() - began
    truth = z[starts[:, None] + np.arange(horizon)]
    scale = float(np.std(z[train:]))
    return {
        "peer": peer.describe(),
        "one_step_nrmse": _rmse(one_step, z[train:]) / scale,
        "rollout_nrmse": _rmse(forecasts, truth) / scale,
        "nrmse_at_horizon": _rmse(forecasts[:, -1], truth[:, -1]) / scale,
        "forecast": forecasts[0],
        "truth": truth[0],
        "seconds": seconds,
    }


def _rmse(pred, truth):
    return float(np.sqrt(np.mean((np.asarray(pred) - truth) ** 2)))


def _nmse(pred, truth):
    return _rmse(pred, truth) ** 2 / float(np.var(truth))
