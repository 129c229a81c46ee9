"""Callbacks kzoo adds to Keras's own (the backups: `backup.py`)."""

import json
import math
import os
import sys
import types

import keras
import numpy as np

from kzoo.errors import UsageError
from kzoo.eval import metrics
from kzoo.eval.forecast import rollout
from kzoo.storage import write_json
from kzoo.training.backup import save_weights


class EpochTensorBoard(keras.callbacks.Callback):
    """Epoch scalars as TensorBoard event files, without TensorFlow.

    Keras's `TensorBoard` callback needs TensorFlow; on every backend kzoo
    writes the per-epoch scalars Keras's would (`epoch_loss`, ...)
    under `log_dir/train` and `log_dir/validation` with the `tensorboard`
    package's own writer.

    That writer reaches its files through TensorFlow's `gfile` whenever
    TensorFlow is installed: it would import TensorFlow (seconds, and its
    thread pools beside the backend's) into every run. Unless TensorFlow is
    already imported, the writer is given TensorBoard's own TensorFlow-free
    file layer instead (`tensorboard.compat.notf`, TensorBoard's switch
    for it); the event files are the same.
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = log_dir
        self._writers = {}

    def _writer(self, which):
        if which not in self._writers:
            if "tensorflow" not in sys.modules:
                sys.modules.setdefault(
                    "tensorboard.compat.notf",
                    types.ModuleType("tensorboard.compat.notf"))
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
    """The run's TensorBoard logs: `EpochTensorBoard` on every backend.

    The same event files from every backend, the same writer as a resumed
    run's replay (`replay_tensorboard`). On TensorFlow it replaces Keras's
    `TensorBoard`, which also writes the model's graph: 0.3 s of the
    reference `vqlnmlp` run's 5 s there (`docs/speed.md`).
    """
    return EpochTensorBoard(log_dir)



class BestWeights(keras.callbacks.Callback):
    """Keep the best epoch's weights, on disk, and stop when it stays best.

    Keras's `EarlyStopping(restore_best_weights=True)` with its state on
    disk, so that an interrupted run resumes with the best weights seen so
    far: after every epoch whose `monitor` improves, the weights are saved
    atomically to `path` (and the epoch and value to `path + ".json"`);
    after `patience` epochs without improvement training stops; at the end
    the best weights are loaded back.

    Args:
        path: where the best weights live (`.weights.h5`).
        monitor: the logged value to minimise (default `val_mse_next`).
        patience: epochs without improvement before stopping (>= 1).

    Attributes:
        best_epoch, best: the best epoch so far (0-based) and its value, or
            `None`.
    """

    def __init__(self, path, monitor="val_mse_next", patience=10):
        super().__init__()
        if isinstance(patience, bool) or not isinstance(patience, int) or (
                patience < 1):
            raise UsageError(f"patience must be an integer >= 1, got "
                             f"{patience!r}")
        self.path = path
        self.monitor = monitor
        self.patience = patience
        self.best_epoch = None
        self.best = None
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        try:
            with open(self.path + ".json", encoding="utf-8") as f:
                state = json.load(f)
            self.best_epoch, self.best = int(state["epoch"]), state["value"]
        except (OSError, ValueError, KeyError, TypeError):
            self.best_epoch, self.best = None, None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(value):
            self.wait += 1
        elif self.best is None or value < self.best:
            save_weights(self.model, self.path, what="the best weights")
            write_json(self.path + ".json",
                       {"epoch": epoch, "value": float(value)})
            self.best_epoch, self.best, self.wait = epoch, float(value), 0
        else:
            self.wait += 1
        if self.wait >= self.patience:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_epoch is not None and os.path.isfile(self.path):
            self.model.load_weights(self.path)


class RolloutValidation(keras.callbacks.Callback):
    """Logs `val_rollout`: the NMSE of fed-back forecasts on validation data.

    One-step validation errors say little about forecasts fed back for many
    steps (a chaotic series punishes small biases). After every epoch this
    forecasts `steps` values regressively from each of `starts` (at most
    `max_starts`, evenly spread) and logs the mean squared error over the
    variance of the true values; callbacks after it (best weights,
    `CSVLogger`) see it.

    Args:
        z: `(N,)` z-scored series.
        starts: candidate indices of first forecast values (the validation
            windows' next values); those without `steps` true values after
            them are dropped.
        steps: forecast steps (>= 1).
        time_steps: the model's window length.
        target: `"aligned"` or `"last"`.
        max_starts: how many starts to use at most.
    """

    def __init__(self, z, starts, steps, time_steps, target, max_starts=16):
        super().__init__()
        starts = np.asarray(starts, int)
        starts = starts[(starts + steps <= len(z)) & (starts >= time_steps)]
        if starts.size == 0:
            raise UsageError(
                f"no validation window has {steps} true values after it: "
                "use fewer rollout steps"
            )
        pick = np.unique(np.linspace(0, len(starts) - 1,
                                     min(max_starts, len(starts))).round())
        self.starts = starts[pick.astype(int)]
        self.z = np.asarray(z, np.float32)
        self.steps = steps
        self.time_steps = time_steps
        self.target = target
        self.truth = self.z[self.starts[:, None] + np.arange(steps)]

    def on_epoch_end(self, epoch, logs=None):
        pred = rollout(self.model, self.z, self.starts, self.steps,
                       self.time_steps, self.target)
        nmse = metrics.nmse(pred, self.truth)
        if logs is not None:
            logs["val_rollout"] = nmse if math.isfinite(nmse) else math.inf


def training_callbacks(hp, folder, windows, target):
    """Rollout validation, best-epoch weights and the plateau schedule.

    `(callbacks, best)`: the callbacks the hyperparameters `hp` ask for,
    in the order they must run, and the `BestWeights` among them (`None`
    without `patience`), which keeps its weights in `folder`.
    """
    callbacks, best, monitor = [], None, "val_mse_next"
    if hp["rollout"]:
        monitor = "val_rollout"
        callbacks.append(RolloutValidation(
            windows.z, windows.val_index, hp["rollout"], hp["time_steps"],
            target))
    if hp["patience"]:
        best = BestWeights(os.path.join(folder, "best.weights.h5"),
                           monitor=monitor, patience=hp["patience"])
        callbacks.append(best)
    if hp["schedule"] == "plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode="min", factor=0.5,
            patience=max(hp["patience"] // 2, 5), min_lr=hp["lr"] / 100))
    return callbacks, best
