"""kzoo's BackupAndRestore saves at most every `interval_s` seconds."""

import keras
import pytest

from kzoo.training.callbacks import BackupAndRestore


def _data(rng, n=70):
    x = rng.normal(size=(n, 6, 1)).astype("float32")
    return x, x[:, -1]


@pytest.mark.parametrize("interval, saves", [(0, 3), (3600, 0)])
def test_backup_interval(tmp_path, rng, interval, saves):
    x, y = _data(rng)
    inputs = keras.Input((6, 1))
    model = keras.Model(inputs, keras.layers.Dense(1)(
        keras.layers.Flatten()(inputs)))
    model.compile("sgd", "mse")
    backup = BackupAndRestore(str(tmp_path / "b"), interval_s=interval,
                              delete_checkpoint=False)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[backup])
    assert backup.saves == saves
    assert (tmp_path / "b").exists() == bool(saves)


def test_backup_interval_validated(tmp_path):
    with pytest.raises(ValueError, match="interval_s"):
        BackupAndRestore(str(tmp_path), interval_s=-1)
