"""Callbacks kzoo adds to Keras's own (the backups: `backup.py`)."""

import os

import keras


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


def replay_tensorboard(log_dir, rows):
    """Write `rows` (one dict of logs per epoch, from `history.csv`) anew.

    A resumed run rewinds its TensorBoard logs to the restored epoch this
    way, so every epoch appears once.
    """
    board = EpochTensorBoard(log_dir)
    for row in rows:
        logs = dict(row)
        board.on_epoch_end(int(logs.pop("epoch")), logs)
    board.on_train_end()


def tensorboard(log_dir):
    """Keras's `TensorBoard` on TensorFlow, `EpochTensorBoard` elsewhere."""
    if keras.backend.backend() == "tensorflow":
        return keras.callbacks.TensorBoard(log_dir=log_dir)
    return EpochTensorBoard(log_dir)

