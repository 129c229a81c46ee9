"""Backups a run can always resume from: atomic, throttled, damage-tolerant."""

import glob
import io
import os
import re
import time

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.storage import write_file

_NAME = "epoch-{:06d}.weights.h5"
_PATTERN = re.compile(r"epoch-(\d{6})\.weights\.h5$")


def weights_bytes(model):
    """The model's weights as the bytes of a `.weights.h5` file.

    Written in memory: HDF5 writing straight to a file that fails (a full
    disk, a file-size limit) prints a traceback from every object it frees
    and may crash the process later; here only Python writes the file.
    """
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    store = saving_lib.H5IOStore(buffer, mode="w")
    try:
        saving_lib._save_state(model, weights_store=store, assets_store=None,
                               inner_path="", visited_saveables=set())
    finally:
        store.close()
    return buffer.getvalue()


def save_weights(model, path, what="the weights"):
    """Save `model`'s weights to `path` (`.weights.h5`) atomically.

    Raises:
        OSError: the file could not be written (a full disk); one line
            naming `path`. A previous file at `path` is left as it was.
    """
    try:
        write_file(path, weights_bytes(model))
    except OSError as error:
        raise OSError(error.errno, f"cannot save {what} {path}: "
                      f"{error.strerror or error}") from None


def backups(backup_dir):
    """`[(epoch, path)]` of the backups in `backup_dir`, newest first."""
    found = []
    for path in glob.glob(os.path.join(backup_dir, "epoch-*.weights.h5")):
        match = _PATTERN.search(os.path.basename(path))
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras's `BackupAndRestore`, made safe against kills and damage.

    - Saves at the end of an epoch at most every `interval_s` seconds (the
      weights and optimizer state of small models cost as much to write as
      an epoch takes to train); an interruption loses at most that much.
    - Writes atomically: a temporary file renamed into place, named after
      the epoch it resumes from (`epoch-000043.weights.h5`); the newest
      `keep` backups are kept, so a kill during a save never leaves the run
      without a good backup.
    - On resume, loads the newest backup that loads; a damaged one (a kill
      during a save by an older version, a truncated copy) is set aside as
      `<name>.damaged`, not deleted (it stays in the finished run's
      `backup/`), with one line through `log`, and the next older one is
      tried; with none left training starts from
      scratch (the model's initial weights are put back).
    - `on_restore(epoch)` is called with the epoch training resumes from
      (0 for a fresh start) before any other callback starts, so the run's
      history can be cut back to it.
    - `saver()` moves the saving into a callback of its own, to be put
      after the callbacks that record an epoch (`CSVLogger`): a stop or a
      kill between the two then never leaves a backup of an epoch whose
      record was not written (the resumed history would skip it).

    Args:
        backup_dir: where the backups live.
        interval_s: minimum seconds between two saves; `0` saves after
            every epoch, as Keras does.
        keep: how many backups to keep (>= 1).
        on_restore: function of the restored epoch, or `None`.
        log: function printing one line (default `print`).
    """

    def __init__(self, backup_dir, interval_s=30.0, keep=2, on_restore=None,
                 log=print):
        if isinstance(interval_s, bool) or not isinstance(
            interval_s, (int, float)
        ) or interval_s < 0:
            raise UsageError(
                f"interval_s must be a number >= 0, got {interval_s!r}"
            )
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise UsageError(f"keep must be an integer >= 1, got {keep!r}")
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=True)
        self.interval_s = float(interval_s)
        self.keep = keep
        self.on_restore = on_restore
        self.log = log
        self._last_save = None
        self._deferred = False
        self.saves = 0
        self.restored_epoch = 0

    def saver(self):
        """A callback that saves the backups in this one's place.

        This callback then only restores (at the start of training); the
        returned one saves at the end of every epoch, wherever it stands in
        the list of callbacks.
        """
        self._deferred = True
        return _Saver(self)

    # Restoring ---------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._last_save = time.monotonic()
        self.restored_epoch = self._restore()
        if self.on_restore is not None:
            self.on_restore(self.restored_epoch)

    def _restore(self):
        found = backups(self.backup_dir)
        if not found:
            return 0
        optimizer = self.model.optimizer
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        variables = list(self.model.variables)
        if optimizer is not None:
            variables += list(optimizer.variables)
        initial = [ops.convert_to_numpy(v) for v in variables]
        for epoch, path in found:
            try:
                self.model.load_weights(path)
            except Exception as error:  # any damage: unreadable, partial
                aside = path + ".damaged"
                os.replace(path, aside)
                reason = (str(error).strip().splitlines()
                          or [type(error).__name__])[0][:120]
                for variable, value in zip(variables, initial):
                    variable.assign(value)
                self.log(f"backup {path} is damaged ({reason}); set aside as "
                         f"{os.path.basename(aside)}")
                continue
            self.model._initial_epoch = epoch
            self.log(f"resuming from the end of epoch {epoch} "
                     f"({os.path.basename(path)})")
            return epoch
        self.log("no usable backup left: training starts from scratch")
        return 0

    def on_train_end(self, logs=None):
        """Delete the backups of a finished fit; damaged ones stay aside."""
        for _, path in backups(self.backup_dir):
            os.remove(path)
        if os.path.isdir(self.backup_dir) and not os.listdir(self.backup_dir):
            os.rmdir(self.backup_dir)

    # Saving ------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        if not self._deferred:
            self.save_epoch(epoch)

    def save_epoch(self, epoch):
        """End of `epoch`: save, unless the last save is too recent."""
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        now = time.monotonic()
        if self._last_save is None or now - self._last_save >= self.interval_s:
            self._save_model()
            self._last_save = time.monotonic()
            self.saves += 1

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        name = _NAME.format(self._current_epoch)
        save_weights(self.model, os.path.join(self.backup_dir, name),
                     what="the backup")
        for _, path in backups(self.backup_dir)[self.keep:]:
            os.remove(path)


class _Saver(keras.callbacks.Callback):
    """`BackupAndRestore.saver()`: the saving half of a backup."""

    def __init__(self, backup):
        super().__init__()
        self.backup = backup

    def on_epoch_end(self, epoch, logs=None):
        self.backup.save_epoch(epoch)
