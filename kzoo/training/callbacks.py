"""Callbacks kzoo adds to Keras's own."""

import keras

from kzoo.eval.forecast import next_values


class EpochTensorBoard(keras.callbacks.Callback):
    """Epoch scalars as TensorBoard event files, without TensorFlow.

    Keras's `TensorBoard` callback needs TensorFlow; on the JAX and PyTorch
    backends kzoo writes the same per-epoch scalars (`epoch_loss`, ...)
    under `log_dir/train` and `log_dir/validation` with the `tensorboard`
    package's own writer.
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = log_dir
        self._writers = {}

    def _writer(self, which):
        if which not in self._writers:
            import os

            from tensorboard.summary import Writer

            self._writers[which] = Writer(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            which = "validation" if key.startswith("val_") else "train"
            name = key[4:] if which == "validation" else key
            self._writer(which).add_scalar(f"epoch_{name}", float(value), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def tensorboard(log_dir):
    """Keras's `TensorBoard` on TensorFlow, `EpochTensorBoard` elsewhere."""
    if keras.backend.backend() == "tensorflow":
        return keras.callbacks.TensorBoard(log_dir=log_dir)
    return EpochTensorBoard(log_dir)


class NextValueError(keras.callbacks.Callback):
    """Adds `val_mse_next` to the epoch logs.

    The MSE of the value right after each validation window (z-scored), the
    one figure comparable across every model whatever its training target.
    Placed first among the callbacks, so the CSV log, TensorBoard and
    KerasTuner (whose objective it is) all see it.

    Args:
        x_val: `(n, T, 1)` validation windows.
        next_values: `(n,)` the value after each window.
        target: `"aligned"` or `"last"`, the model's output kind.
    """

    def __init__(self, x_val, next_values, target, batch_size=256):
        super().__init__()
        self.x_val = x_val
        self.next_values = next_values
        self.target = target
        self.batch_size = batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        pred = next_values(
            self.model.predict(self.x_val, batch_size=self.batch_size,
                               verbose=0),
            self.target,
        )
        logs["val_mse_next"] = float(((pred - self.next_values) ** 2).mean())
