"""kzoo's BackupAndRestore: throttled, atomic, rotating, damage-tolerant."""

import os

import keras
import numpy as np
import pytest

from kzoo.training.backup import BackupAndRestore
from kzoo.training.backup import backups
from kzoo.training.backup import save_weights


def _data(rng, n=70):
    x = rng.normal(size=(n, 6, 1)).astype("float32")
    return x, x[:, -1]


def _model():
    inputs = keras.Input((6, 1))
    model = keras.Model(inputs, keras.layers.Dense(1)(
        keras.layers.Flatten()(inputs)))
    model.compile("adam", "mse")
    return model


class _Stop(Exception):
    pass


def _fit(model, rng, backup, epochs, stop_after=None):
    x, y = _data(rng)
    callbacks = [backup]
    if stop_after is not None:
        def stop(epoch, logs):
            if epoch == stop_after:
                raise _Stop()
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=stop))
    return model.fit(x, y, epochs=epochs, verbose=0, callbacks=callbacks)


@pytest.mark.parametrize("interval, saves", [(0, 3), (3600, 0)])
def test_backup_interval(tmp_path, rng, interval, saves):
    backup = BackupAndRestore(str(tmp_path / "b"), interval_s=interval)
    with pytest.raises(_Stop):
        _fit(_model(), rng, backup, 5, stop_after=2)
    assert backup.saves == saves
    assert len(backups(str(tmp_path / "b"))) == min(saves, 2)


def test_saves_are_atomic_named_by_epoch_and_rotated(tmp_path, rng):
    folder = str(tmp_path / "b")
    backup = BackupAndRestore(folder, interval_s=0, keep=2)
    with pytest.raises(_Stop):
        _fit(_model(), rng, backup, 9, stop_after=4)
    assert sorted(os.listdir(folder)) == [
        "epoch-000004.weights.h5", "epoch-000005.weights.h5"]


def test_a_saver_saves_where_it_stands_in_the_callbacks(tmp_path, rng):
    # The saver after the stop: the stopped epoch (2) has no backup.
    folder = str(tmp_path / "b")
    backup = BackupAndRestore(folder, interval_s=0, keep=5)
    x, y = _data(rng)

    def stop(epoch, logs):
        if epoch == 2:
            raise _Stop()

    with pytest.raises(_Stop):
        _model().fit(x, y, epochs=5, verbose=0, callbacks=[
            backup, keras.callbacks.LambdaCallback(on_epoch_end=stop),
            backup.saver()])
    assert sorted(os.listdir(folder)) == [
        "epoch-000001.weights.h5", "epoch-000002.weights.h5"]
    resumed = BackupAndRestore(folder, interval_s=0)
    _model().fit(x, y, epochs=3, verbose=0,
                 callbacks=[resumed, resumed.saver()])
    assert resumed.restored_epoch == 2 and resumed.saves == 1


def test_resumes_from_the_newest_backup(tmp_path, rng):
    folder = str(tmp_path / "b")
    with pytest.raises(_Stop):
        _fit(_model(), rng, BackupAndRestore(folder, interval_s=0), 6,
             stop_after=2)
    restored, lines = [], []
    backup = BackupAndRestore(folder, interval_s=0,
                              on_restore=restored.append, log=lines.append)
    history = _fit(_model(), rng, backup, 6)
    assert restored == [3] and len(history.history["loss"]) == 3
    assert lines == ["resuming from the end of epoch 3 "
                     "(epoch-000003.weights.h5)"]


def test_a_damaged_backup_is_set_aside_and_an_older_one_used(tmp_path, rng):
    folder = str(tmp_path / "b")
    model = _model()
    with pytest.raises(_Stop):
        _fit(model, rng, BackupAndRestore(folder, interval_s=0), 6,
             stop_after=2)
    newest = os.path.join(folder, "epoch-000003.weights.h5")
    with open(newest, "r+b") as f:  # a kill in the middle of a save
        f.truncate(os.path.getsize(newest) // 3)
    restored, lines = [], []
    backup = BackupAndRestore(folder, interval_s=3600,
                              on_restore=restored.append, log=lines.append)
    _fit(_model(), rng, backup, 2)  # restores epoch 2 of 2: nothing to run
    assert restored == [2]
    assert os.path.exists(newest + ".damaged")
    assert lines[0].startswith(f"backup {newest} is damaged (")
    assert lines[0].endswith("set aside as epoch-000003.weights.h5.damaged")
    assert lines[1].startswith("resuming from the end of epoch 2")


def test_with_every_backup_damaged_training_starts_afresh(tmp_path, rng):
    folder = str(tmp_path / "b")
    os.makedirs(folder)
    with open(os.path.join(folder, "epoch-000004.weights.h5"), "wb") as f:
        f.write(b"not hdf5")
    keras.utils.set_random_seed(3)
    model = _model()
    initial = [w.copy() for w in model.get_weights()]
    restored, lines = [], []
    backup = BackupAndRestore(folder, interval_s=3600,
                              on_restore=restored.append, log=lines.append)
    backup.set_model(model)
    backup.on_train_begin()
    assert restored == [0]
    assert lines[-1] == "no usable backup left: training starts from scratch"
    for before, after in zip(initial, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="interval_s"):
        BackupAndRestore(str(tmp_path), interval_s=-1)
    with pytest.raises(ValueError, match="keep"):
        BackupAndRestore(str(tmp_path), keep=0)


def test_weights_written_in_memory_load_and_a_failed_write_is_named(
        tmp_path):
    # A file-size limit (as `ulimit -f`: Python ignores SIGXFSZ, the write
    # fails with EFBIG) used to make HDF5 print a traceback per object and
    # crash later (issue 27 #14): now one OSError naming the file, the
    # earlier file kept, no temporary file left.
    import resource

    model = _model()
    path = str(tmp_path / "w.weights.h5")
    save_weights(model, path)
    clone = _model()
    clone.load_weights(path)
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)
    before = open(path, "rb").read()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
    try:
        with pytest.raises(OSError, match=f"cannot save the backup {path}: "
                           "File too large"):
            save_weights(model, path, what="the backup")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["w.weights.h5"]
