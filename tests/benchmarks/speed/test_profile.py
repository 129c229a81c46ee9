"""`kzoo.benchmarks.speed.profile`: a run's time, clocked part by part."""

import keras
import pytest

from kzoo import data
from kzoo import training
from kzoo.benchmarks.speed.profile import FitProfile


class _EpochsOnly(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.seen = epoch


def test_a_wrapped_callback_keeps_kerass_batch_dispatch():
    profile = FitProfile()
    inner = _EpochsOnly()
    _, wrapped = profile.wrap([inner])
    # No batch-end hook of its own: Keras may still end batches
    # asynchronously, as without the wrapper.
    assert getattr(wrapped.on_train_batch_end, "_is_default", False)
    assert not getattr(wrapped.on_epoch_end, "_is_default", False)
    wrapped.on_epoch_end(3)
    assert inner.seen == 3 and profile.callbacks["_EpochsOnly"] >= 0


@pytest.mark.slow
def test_a_profiled_run_accounts_for_its_time_and_changes_nothing(
        tmp_path, series):
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 3},
                             series, out=str(tmp_path / "a"))
    plain = training.execute(plan, series, verbose=0)
    profile = FitProfile()
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 3},
                             series, out=str(tmp_path / "b"))
    timed = training.execute(plan, series, verbose=0,
                             instrument=profile.wrap)
    assert timed["val_loss"] == plain["val_loss"]
    summary = profile.summary(timed["wall_s"])
    assert summary["epochs"] == 3
    for name in ("StopOnSignal", "BackupAndRestore", "CSVLogger",
                 "TerminateOnNaN", "LambdaCallback"):
        assert name in summary["callbacks"], name
    parts = ("setup_s", "compile_s", "steps_s", "validation_s",
             "after_fit_s")
    assert all(summary[key] >= 0 for key in parts)
    assert summary["steps_s"] > 0 and summary["validation_s"] > 0
    # The parts add up to the run's clock (to rounding and the few
    # instructions between the clock's marks).
    total = sum(summary[key] for key in parts) + sum(
        summary["callbacks"].values())
    assert total == pytest.approx(summary["wall_s"], abs=0.05, rel=0.05)


@pytest.fixture
def series():
    import numpy as np

    values = np.sin(np.arange(240) / 5.0) + 0.1 * np.cos(np.arange(240))
    return data.Series(values.astype("float32"), "sine", "value")
