"""Forecast error metrics in original units."""

import numpy as np


def errors(pred, actual):
    """MSE, MAE and NMSE (MSE over the variance of `actual`)."""
    pred = np.asarray(pred, np.float64)
    actual = np.asarray(actual, np.float64)
    mse = float(np.mean((pred - actual) ** 2))
    var = float(np.var(actual))
    return {
        "mse": mse,
        "mae": float(np.mean(np.abs(pred - actual))),
        "nmse": mse / var if var > 0 else float("nan"),
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
    truth = np.where(valid, np.asarray(actual_series)[np.minimum(idx, len(actual_series) - 1)], 0.0)
    err = np.where(valid, forecasts - truth, 0.0)
    count = valid.sum(0)
    safe = np.maximum(count, 1)
    return {
        "horizon": np.arange(1, steps + 1),
        "mse": np.where(count > 0, (err**2).sum(0) / safe, np.nan),
        "mae": np.where(count > 0, np.abs(err).sum(0) / safe, np.nan),
        "count": count,
    }
