"""The training loss of aligned models that score only a window's tail."""

import keras
from keras import ops

from kzoo.layers.checks import check_int


@keras.saving.register_keras_serializable(package="kzoo")
class TailMeanSquaredError(keras.losses.Loss):
    """Mean squared error over the last `positions` steps of each window.

        loss = mean_{b, t >= T - P} (y_true[b, t] - y_pred[b, t])^2

    for aligned `(B, T, 1)` targets (position `t` predicts value `t + 1`),
    `P = positions`. A task whose early positions cannot be predicted
    from the window (fixed-lag recall: the value `K` back is in the window
    only at the last `T - K + 1` positions) then trains on the positions
    that carry its signal: over the whole window the gradient of a lag-`K`
    window of `K + 16` values is `17 / (K + 16)` signal, the rest noise.
    Windows shorter than `P` count whole.

    Args:
        positions: `P >= 1`, the scored positions at the end of a window.

    Example:

    >>> loss = TailMeanSquaredError(2)
    >>> y = keras.ops.zeros((1, 4, 1))
    >>> p = keras.ops.reshape(keras.ops.arange(4.0), (1, 4, 1))
    >>> round(float(loss(y, p)), 4)  # (2^2 + 3^2) / 2
    6.5
    """

    def __init__(self, positions, name="tail_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        check_int("positions", positions)
        self.positions = int(positions)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) != 3:
            raise ValueError(
                "TailMeanSquaredError takes aligned (B, T, 1) targets. "
                f"Received: y_pred.shape={y_pred.shape}")
        tail = -self.positions
        error = ops.cast(y_true[:, tail:], y_pred.dtype) - y_pred[:, tail:]
        return ops.mean(ops.square(error), axis=(1, 2))

    def get_config(self):
        return {**super().get_config(), "positions": self.positions}


def training_loss(hparams):
    """`"mse"`, or the `TailMeanSquaredError` of `hparams["loss_positions"]`
    (when present and not 0)."""
    positions = hparams.get("loss_positions") or 0
    return TailMeanSquaredError(positions) if positions else "mse"
