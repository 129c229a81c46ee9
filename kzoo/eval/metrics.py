"""Forecast error metrics: a Keras metric, and NumPy ones in original units."""

import math

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kzoo")
def mse_next(y_true, y_pred):
    """Keras metric: squared error of the value right after each window.

    The last position of aligned `(B, T, 1)` targets, or the `(B, 1)`
    target of last-step models: the same quantity for every model, logged
    as `mse_next` / `val_mse_next` by `fit()` in the same pass as the loss.
    """
    if len(y_pred.shape) == 3:
        y_true, y_pred = y_true[:, -1, 0], y_pred[:, -1, 0]
    else:
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    return ops.square(ops.cast(y_true, y_pred.dtype) - y_pred)


def mse(pred, truth):
    """Mean squared error, in float64 (a diverged forecast gives `inf`
    or `nan`, silently)."""
    pred = np.asarray(pred, np.float64)
    truth = np.asarray(truth, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean((pred - truth) ** 2))


def nmse(pred, truth, variance=None):
    """NMSE: the MSE over the variance of the true values.

    `variance`: another normaliser (default: the variance of `truth`), as
    when fed-back forecasts from several starts are scored against the
    variance of the whole validation part. `nan` when it is 0 (nothing to
    normalise by): a constant truth is not a score of zero or infinity.

    >>> nmse([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.2142857142857143
    """
    var = float(np.var(np.asarray(truth, np.float64)) if variance is None
                else variance)
    return mse(pred, truth) / var if var > 0 else float("nan")


def nrmse(pred, truth, scale=None):
    """NRMSE: the RMSE over `scale` (default: the truth's deviation).

    The same in z-scored and original units; `nan` when `scale` is 0.
    """
    scale = float(np.std(np.asarray(truth, np.float64)) if scale is None
                  else scale)
    return math.sqrt(mse(pred, truth)) / scale if scale > 0 else float("nan")


def errors(pred, actual):
    """MSE, MAE and NMSE (MSE over the variance of `actual`)."""
    pred = np.asarray(pred, np.float64)
    actual = np.asarray(actual, np.float64)
    return {
        "mse": mse(pred, actual),
        "mae": float(np.mean(np.abs(pred - actual))),
        "nmse": nmse(pred, actual),
        "n": int(len(actual)),
    }


def horizon_errors(forecasts, starts, actual_series):
    """Errors by horizon over many rollouts, where the truth exists.

    Args:
        forecasts: `(S, H)` forecasts in original units.
        starts: `(S,)` index of each rollout's first forecast value.
        actual_series: `(N,)` the true series in original units.

    Returns:
        dict of `(H,)` arrays: `horizon` (1-based), `mse`, `mae`, `count`.
    """
    forecasts = np.asarray(forecasts, np.float64)
    n_starts, steps = forecasts.shape
    idx = np.asarray(starts)[:, None] + np.arange(steps)[None, :]
    valid = idx < len(actual_series)
    actual_series = np.asarray(actual_series)
    truth = np.where(
        valid, actual_series[np.minimum(idx, len(actual_series) - 1)], 0.0)
    err = np.where(valid, forecasts - truth, 0.0)
    count = valid.sum(0)
    safe = np.maximum(count, 1)
    return {
        "horizon": np.arange(1, steps + 1),
        "mse": np.where(count > 0, (err**2).sum(0) / safe, np.nan),
        "mae": np.where(count > 0, np.abs(err).sum(0) / safe, np.nan),
        "count": count,
    }
