"""The standard benchmarks, for any peer, and the reference protocol.

The benchmarks (laser, Mackey-Glass, the logistic map) take
`choose(z_train, z_val)`, a function returning a fitted peer from a
training part and the validation part right after it (both z-scored
with the training statistics), e.g.::

    laser_protocol(lambda t, v: Persistence().fit(np.concatenate([t, v])))
    laser_protocol(lambda t, v: select_ar(t, v))
    laser_protocol(lambda t, v: select_esn(t, v, criterion="rollout",
                                           horizon=50))

`reference_protocol(peer)` scores persistence or the linear AR on the
reference series' random split of windows (a window-wise split, so the
peer is fitted on training windows, not on a training part).

The parts and scores of each protocol are defined once, in
`kzoo.eval.protocols` (NMSE and NRMSE in `kzoo.eval.metrics`).
"""

import time

import numpy as np

from kzoo.errors import UsageError
from kzoo.eval import protocols
from kzoo.eval.metrics import mse


def laser_protocol(choose, validation=200):
    """Santa Fe laser (`kzoo.eval.protocols`): the competition's training
    points train, the points after them are forecast.

    The series (`kzoo.data.load("laser")`) is z-scored with the mean and
    standard deviation of its training part; `choose` gets the training
    part less its last `validation` values, and those values.

    Returns:
        dict: `peer` (its `describe()`), `rollout_nmse` (one fed-back
        forecast from the end of the training part), `one_step_nmse` (the
        same points, each from the true history), `forecast` (the
        rollout, z-scored), `truth` and `seconds` (choose, fit and
        forecast).
    """
    from kzoo.data import ZScore
    from kzoo.data import load

    end, steps = protocols.LASER_TRAIN, protocols.LASER_HORIZON
    values = load("laser").values
    z = ZScore.fit(values[:end]).transform(values)
    cut = end - validation
    began = time.perf_counter()
    peer = choose(z[:cut], z[cut:end])
    forecast = peer.rollout(z[:end], [end], steps)[0]
    one_step = peer.one_step(z[:end + steps], end, end + steps)
    seconds = time.perf_counter() - began
    return {"peer": peer.describe(),
            **protocols.laser_scores(z, forecast, one_step),
            "forecast": forecast, "seconds": seconds}


def _fed_back_protocol(choose, fed_back, validation):
    """`fed_back` (a `kzoo.eval.protocols.FedBack`) for the peer `choose`
    returns: fit on its training part, forecast its test part (one step,
    and fed back from its starts), scored by its `scores`."""
    from kzoo.data import load

    train, end = fed_back.train, fed_back.train + fed_back.test
    values = load(fed_back.series).values
    z = (values - values[:train].mean()) / values[:train].std()
    cut = train - validation
    began = time.perf_counter()
    peer = choose(z[:cut], z[cut:train])
    one_step = peer.one_step(z, train, end)
    forecasts = peer.rollout(z, fed_back.starts(), fed_back.horizon)
    seconds = time.perf_counter() - began
    return {"peer": peer.describe(),
            **fed_back.scores(z, one_step, forecasts),
            "forecast": forecasts[0], "seconds": seconds}


def mackey_glass_protocol(choose, validation=400):
    """Mackey-Glass (`kzoo.eval.protocols`): one-step and fed-back NRMSE.

    The built-in `mackey_glass` series (reservoirpy's, its 100-point
    transient dropped): the training part trains (its last `validation`
    values go to `choose` as `z_val`), the test part is forecast;
    z-scored with the training statistics.

    Returns:
        dict: `peer`, `one_step_nrmse`, `rollout_nrmse`,
        `nrmse_at_horizon` (as `kzoo.eval.protocols.mackey_glass_scores`),
        `forecast` (the first rollout), `truth` and `seconds`.
    """
    return _fed_back_protocol(choose, protocols.MACKEY_GLASS, validation)


def logistic_protocol(choose, validation=400):
    """The logistic map (`kzoo.eval.protocols`): one-step NMSE and the
    fed-back horizon, with the parts of `mackey_glass_protocol`.

    Returns:
        dict: `peer`, `one_step_nmse`, `horizon`, `rollout_nrmse`,
        `nrmse_by_step` (as `kzoo.eval.protocols.logistic_scores`),
        `forecast`, `truth` and `seconds`.
    """
    return _fed_back_protocol(choose, protocols.LOGISTIC, validation)


def reference_protocol(peer="ar", time_steps=112, orders=None, folds=5,
                       tolerance=0.01, seed=0):
    """The reference protocol on `y_w`, for persistence or the linear AR.

    The reference series' windows of `time_steps` values (the LSTM's 112
    by default, so the validation windows are the ones it is scored on)
    split at random as the reference splits them (`kzoo.data.prepare`,
    80/20, seed 42). The AR is fitted on the training windows only
    (`LinearAR.fit_windows`); its order is the smallest of `orders`
    (default: `AR_ORDERS` up to `time_steps`) whose `folds`-fold
    cross-validated mean squared error on the training windows (folds
    drawn with `seed`) is within `(1 + tolerance)` of the best (1 %, as
    `select_ar`), and it is then fitted on all of them.

    Returns:
        dict: `peer` (its `describe()`), `val_mse_next` (z-scored, the
        validation windows' next values), `mse_regressive` (fed back from
        the first window to the end of the series, (ug/m³)², as
        `recipes/predict.py`), `forecast` (that rollout, ug/m³), `truth`
        and `seconds`.
    """
    from kzoo.data import load
    from kzoo.data import prepare
    from kzoo.layers.checks import check_choice
    from kzoo.layers.checks import check_int
    from kzoo.layers.checks import check_number
    from kzoo.peers.linear import LinearAR
    from kzoo.peers.linear import Persistence
    from kzoo.peers.selection import AR_ORDERS
    from kzoo.peers.selection import Selection
    from kzoo.peers.selection import choose

    check_choice("peer", peer, ("ar", "persistence"))
    check_int("folds", folds, minimum=2)
    check_number("tolerance", tolerance, minimum=0, strict=False)
    series = load("y_w")
    windows = prepare(series, time_steps, "last", "random")
    x, y = windows.x_train[..., 0], windows.y_train[:, 0]
    began = time.perf_counter()
    if peer == "persistence":
        model = Persistence().fit(y)
    else:
        parts = np.array_split(
            np.random.default_rng(seed).permutation(len(x)), folds)
        fewest = len(x) - max(len(part) for part in parts)
        candidates = [p for p in (orders or AR_ORDERS)
                      if p <= time_steps and p + 2 <= fewest]
        if not candidates:
            raise UsageError(
                f"`orders` must hold an order <= time_steps={time_steps}. "
                f"Received: orders={orders}")
        scores = []
        for p in candidates:
            errors = []
            for k, held in enumerate(parts):
                fit = np.concatenate(parts[:k] + parts[k + 1:])
                ar = LinearAR(p).fit_windows(x[fit], y[fit])
                errors.append(ar.predict_windows(x[held]) - y[held])
            scores.append(({"order": p},
                           float(np.mean(np.concatenate(errors) ** 2))))
        best, score = choose(scores, tolerance)
        model = LinearAR(**best).fit_windows(x, y)
        model.selection = Selection("one_step", None, scores, best, score,
                                    True)
    z = windows.z
    one_step = model.one_step(z, time_steps, len(z))
    pred = one_step[windows.val_index - time_steps]
    rolled = windows.norm.inverse(
        model.rollout(z, [time_steps], len(z) - time_steps)[0])
    seconds = time.perf_counter() - began
    truth = series.values[time_steps:]
    return {
        "peer": model.describe(),
        "val_mse_next": mse(pred, windows.next_val),
        "mse_regressive": mse(rolled, truth),
        "forecast": rolled,
        "truth": truth,
        "seconds": seconds,
    }
