"""Callbacks kzoo adds to Keras's own."""

import time

import keras


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras's `BackupAndRestore`, saving at most every `interval_s` seconds.

    Keras's callback writes the weights and optimizer state after every
    epoch; for the small models of kzoo that costs as much as the epoch
    itself. This one saves at the end of an epoch only once `interval_s`
    seconds have passed since the start of training or the last save, so an
    interruption loses at most that much training; resuming works as in
    Keras (from the end of the last saved epoch).

    Args:
        backup_dir: where the backup lives (Keras's argument).
        interval_s: minimum seconds between two saves; `0` saves after every
            epoch, as Keras does.
        **kwargs: the other arguments of `keras.callbacks.BackupAndRestore`
            (`save_freq` must stay `"epoch"`).
    """

    def __init__(self, backup_dir, interval_s=30.0, **kwargs):
        if isinstance(interval_s, bool) or not isinstance(
            interval_s, (int, float)
        ) or interval_s < 0:
            raise ValueError(
                f"interval_s must be a number >= 0, got {interval_s!r}"
            )
        if kwargs.get("save_freq", "epoch") != "epoch":
            raise ValueError("save_freq must be 'epoch' with interval_s")
        super().__init__(backup_dir, **kwargs)
        self.interval_s = float(interval_s)
        self._last_save = None
        self.saves = 0

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._last_save = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        now = time.monotonic()
        if self._last_save is None or now - self._last_save >= self.interval_s:
            self._save_model()
            self._last_save = time.monotonic()
            self.saves += 1


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

