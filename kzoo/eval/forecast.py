"""One-step and regressive (fed-back) forecasts of a trained model.

All arrays here are z-scored values; `kzoo.data.ZScore` converts back.
A model's forecast of the value after a window `x[s-ts:s]` is its last
output (aligned models) or its only output (last-step models).
"""

import keras
import numpy as np

from kzoo.errors import UsageError


def next_values(pred, target):
    """The forecast of the value after each window: `(n,)`."""
    pred = np.asarray(pred)
    return pred[:, -1, 0] if target == "aligned" else pred[:, 0]


def one_step(model, z, time_steps, target, batch_size=512):
    """Every window predicts its next value.

    Returns `(n,)` forecasts of `z[time_steps:]`: entry `i` is the forecast
    of `z[time_steps + i]` from `z[i : i + time_steps]`.
    """
    z = np.asarray(z, np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(z, time_steps)
    windows = windows[: len(z) - time_steps, :, None]
    pred = model.predict(windows, batch_size=batch_size, verbose=0)
    return next_values(pred, target)


def rollout(model, z, starts, steps, time_steps, target, verbose=0):
    """Regressive forecasts from many start points at once.

    Start `s` seeds its window with the true `z[s - ts : s]`, forecasts
    `z[s]`, then feeds each forecast back as the newest input for `steps`
    steps. All starts advance together, one compiled batch per step.

    Args:
        model: a trained model.
        z: `(N,)` z-scored series.
        starts: indices of the first forecast value, each `>= time_steps`.
        steps: forecasts per start.
        time_steps: window length.
        target: `"aligned"` or `"last"`.
        verbose: 1 shows a progress bar.

    Returns:
        `(len(starts), steps)` forecasts; column `h` forecasts `z[s + h]`.
    """
    starts = np.asarray(starts, dtype=int)
    if starts.size == 0 or starts.min() < time_steps:
        raise UsageError(
            f"every start must be >= time_steps={time_steps}; got "
            f"{starts.min() if starts.size else 'none'}"
        )
    z = np.asarray(z, np.float32)
    windows = np.stack([z[s - time_steps : s] for s in starts])[..., None]
    out = np.empty((len(starts), steps), np.float32)
    bar = keras.utils.Progbar(steps, unit_name="step") if verbose else None
    for h in range(steps):
        pred = next_values(model.predict_on_batch(windows), target)
        out[:, h] = pred
        windows = np.concatenate(
            [windows[:, 1:], pred[:, None, None].astype(np.float32)], axis=1
        )
        if bar is not None and ((h + 1) % 50 == 0 or h + 1 == steps):
            bar.update(h + 1)
    return out
