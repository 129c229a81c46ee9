import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from kzoo import data
from kzoo import training
from kzoo.eval import tables
from kzoo.training import runner

from datafiles import smooth_series
from datafiles import write_csv


@pytest.fixture
def series(tmp_path):
    path = write_csv(tmp_path / "y+w.csv", smooth_series(160))
    return data.load("csv:" + path)


def test_execute_writes_a_complete_run(tmp_path, series):
    out = str(tmp_path / "runs")
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 2},
                             series, out=out)
    assert not os.path.exists(out)  # planning writes nothing
    metrics = training.execute(plan, series, verbose=0)
    run_dir = metrics["run_dir"]
    assert os.path.dirname(run_dir) == os.path.join(out, plan.name)
    for name in ("model.keras", "config.json", "history.csv", "metrics.json"):
        assert os.path.isfile(os.path.join(run_dir, name)), name
    events = [f for _, _, files in os.walk(os.path.join(run_dir, "logs"))
              for f in files if f.startswith("events.out.tfevents")]
    assert events
    assert [d for d in os.listdir(os.path.join(out, plan.name))] == [
        os.path.basename(run_dir)]
    saved = json.load(open(os.path.join(run_dir, "metrics.json")))
    for key in ("train_loss", "val_loss", "val_mse_next", "params", "wall_s",
                "backend", "codebook_perplexity"):
        assert key in saved
    assert saved["backend"] == keras.backend.backend()
    config = json.load(open(os.path.join(run_dir, "config.json")))
    assert config["hparams"]["time_steps"] == 16 and config["seed"] == 0
    std = config["normalization"]["std"]
    assert std == pytest.approx(np.std(series.values))
    assert "keras" in config["versions"]
    history = pd.read_csv(os.path.join(run_dir, "history.csv"))
    assert list(history["epoch"]) == [0, 1]
    assert history["val_loss"].iloc[-1] == pytest.approx(saved["val_loss"])


def test_val_mse_next_is_the_next_value_error(tmp_path, series):
    plan = training.plan_run("persistence", {"time_steps": 16}, series,
                             out=str(tmp_path))
    metrics = training.execute(plan, series, verbose=0)
    z = data.ZScore.fit(series.values).transform(series.values)
    count = len(z) - 16
    _, val = data.split_indices(count, 16, "random")
    expected = np.mean((z[val + 15] - z[val + 16]) ** 2)
    assert metrics["val_mse_next"] == pytest.approx(expected, rel=1e-5)
    assert metrics["params"] == 0 and metrics["epochs"] == 0


@pytest.mark.slow
def test_same_seed_same_metrics(tmp_path, series):
    results = []
    for i in range(2):
        plan = training.plan_run("vqlnpemlp", {"time_steps": 16, "epochs": 2,
                                               "vocab_size": 16, "d_model": 8},
                                 series, seed=3, out=str(tmp_path / str(i)))
        metrics = training.execute(plan, series, verbose=0)
        results.append({k: v for k, v in metrics.items()
                        if k not in ("wall_s", "run_dir")})
    assert results[0] == results[1]


class _Interrupt(Exception):
    pass


class _StopAfter(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise _Interrupt()


@pytest.mark.slow
def test_interrupted_run_resumes(tmp_path, series, monkeypatch):
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 3},
                             series, out=str(tmp_path))
    monkeypatch.setattr(runner, "tensorboard", lambda d: _StopAfter(1))
    with pytest.raises(_Interrupt):
        training.execute(plan, series, verbose=0, backup_interval_s=0)
    assert os.path.isdir(os.path.join(plan.staging_dir, "backup"))
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch)

    monkeypatch.setattr(runner, "tensorboard", lambda d: Record())
    metrics = training.execute(plan, series, verbose=0, backup_interval_s=0)
    # Epoch 0 was restored, not re-run; epoch 1 stopped before its backup.
    assert seen == [1, 2]
    assert not os.path.exists(plan.staging_dir)
    history = pd.read_csv(os.path.join(metrics["run_dir"], "history.csv"))
    assert list(history["epoch"]) == [0, 1, 2]


@pytest.mark.slow
def test_a_stop_before_an_epoch_is_recorded_leaves_no_backup_of_it(
        tmp_path, series, monkeypatch):
    # A Ctrl-C can land anywhere in the epoch's end. Saved before the
    # history row, the backup of epoch 1 made the resumed history skip it
    # (CI of stop 39: epochs 1, 2, ... after a stop in the first epoch).
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 3},
                             series, out=str(tmp_path))
    write_row = keras.callbacks.CSVLogger.on_epoch_end

    def stop_before_row_1(self, epoch, logs=None):
        if epoch == 1:
            raise _Interrupt()
        write_row(self, epoch, logs)

    monkeypatch.setattr(keras.callbacks.CSVLogger, "on_epoch_end",
                        stop_before_row_1)
    with pytest.raises(_Interrupt):
        training.execute(plan, series, verbose=0, backup_interval_s=0)
    monkeypatch.undo()
    metrics = training.execute(plan, series, verbose=0, backup_interval_s=0)
    history = pd.read_csv(os.path.join(metrics["run_dir"], "history.csv"))
    assert list(history["epoch"]) == [0, 1, 2]
    assert metrics["attempts"] == 2


def test_results_table_and_file(tmp_path, series):
    out = str(tmp_path)
    plan = training.plan_run("persistence", {"time_steps": 16}, series, out=out)
    rows = [training.execute(plan, series, verbose=0)]
    table = tables.results_table(rows, out)
    assert table.splitlines()[0] == (
        "| File | Loss | val_mse_next | params | backend | wall_s | status |")
    tables.append_results(rows, out)
    tables.append_results(rows, out)  # a run already there is not repeated
    lines = open(os.path.join(out, "results.md")).read().splitlines()
    assert len(lines) == 3 and lines[2].startswith("| persistence_y_w_ts16")


def test_backups_are_throttled(tmp_path, series, monkeypatch):
    # With the default interval a short run saves no backup before it is
    # interrupted (the run starts again from scratch, losing < 30 s).
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 3},
                             series, out=str(tmp_path))
    monkeypatch.setattr(runner, "tensorboard", lambda d: _StopAfter(1))
    with pytest.raises(_Interrupt):
        training.execute(plan, series, verbose=0)
    assert not os.path.exists(os.path.join(plan.staging_dir, "backup"))


@pytest.mark.slow
def test_single_validation_batch_gives_the_same_val_loss(tmp_path, series):
    plan = training.plan_run(
        "vqlnmlp", {"time_steps": 16, "epochs": 2, "batch_size": 8}, series,
        out=str(tmp_path))
    metrics = training.execute(plan, series, verbose=0)
    model = keras.saving.load_model(
        os.path.join(metrics["run_dir"], "model.keras"), compile=False)
    model.compile(loss="mse")
    x_val, y_val = data.prepare(series, 16, "aligned").validation
    assert len(x_val) > plan.hparams["batch_size"]
    per_batch = model.evaluate(x_val, y_val, verbose=0, return_dict=True,
                               batch_size=plan.hparams["batch_size"])["loss"]
    np.testing.assert_allclose(metrics["val_loss"], per_batch, rtol=1e-5)


def test_a_closed_form_model_is_solved_on_the_training_windows(tmp_path,
                                                               series):
    # vqridge has nothing to train by gradient: the run solves it, its table
    # drawn from the training windows' delay vectors; the same seed gives
    # the same result, and `params` counts what was fitted.
    hp = {"time_steps": 16, "vocab_size": 40, "n_lags": 4, "delay": 3,
          "ridge": 1e-6}
    runs = []
    for again in (False, True):
        plan = training.plan_run("vqridge", hp, series, out=str(tmp_path))
        runs.append(training.execute(plan, series, verbose=0,
                                     reuse=not again))
    first, second = runs
    assert first["epochs"] == 0 and first["status"] == "complete"
    assert first["params"] == 40 * 4 + 40 + 4 + 1
    assert first["val_mse_next"] == second["val_mse_next"]
    from kzoo.eval.run_dir import load_run

    _, model = load_run(first["run_dir"])
    table = keras.ops.convert_to_numpy(model.get_layer("codebook").codebook)
    windows = data.prepare(series, 16, "last", "random")
    train_queries = windows.x_train[:, [15, 12, 9, 6], 0]
    assert all(np.isclose(train_queries, row).all(1).any() for row in table)
    persistence = np.mean((windows.x_val[:, -1, 0] - windows.next_val) ** 2)
    assert first["val_mse_next"] < persistence


def test_the_plateau_schedule_halves_the_learning_rate(tmp_path, series):
    # Keras refused ReduceLROnPlateau on val_mse_next without mode="min"
    # (issue 27 #9). A learning rate too small to change the weights: no
    # epoch improves on the first, and after 5 the rate is halved.
    seen = []

    class Rate(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(
                self.model.optimizer.learning_rate)))

    plan = training.plan_run("linear", {
        "time_steps": 16, "epochs": 6, "lr": 1e-30, "patience": 0,
        "schedule": "plateau"}, series, out=str(tmp_path))
    metrics = training.execute(plan, series, verbose=0, callbacks=[Rate()])
    assert metrics["status"] == "complete" and metrics["epochs"] == 6
    assert seen[:5] == [pytest.approx(1e-30)] * 5
    assert seen[5] == pytest.approx(5e-31)
    assert not os.path.exists(plan.staging_dir)


def test_a_solve_with_non_finite_forecasts_is_recorded_as_diverged(
        tmp_path, series):
    # A closed-form model is judged like a trained one (issue 27 #8): a
    # read too narrow to weigh any row gives NaN, recorded as diverged.
    plan = training.plan_run("vqridge", {
        "time_steps": 16, "vocab_size": 40, "n_lags": 4, "delay": 3,
        "temperature": 1e-30}, series, out=str(tmp_path))
    metrics = training.execute(plan, series, verbose=0)
    assert metrics["status"] == "diverged" and metrics["epochs"] == 0
    saved = json.load(open(os.path.join(metrics["run_dir"],
                                        "metrics.json")))
    assert saved["status"] == "diverged" and saved["val_mse_next"] is None
    from kzoo.errors import DataError
    from kzoo.eval.run_dir import load_run

    with pytest.raises(DataError, match="diverged"):
        load_run(metrics["run_dir"])


def test_a_run_refused_once_started_leaves_nothing(tmp_path, series,
                                                   monkeypatch):
    # Bad input found inside the staging directory (issue 27 #17): the
    # directory and the folders made for it go; a run with a backup stays.
    from kzoo.errors import DataError

    out = tmp_path / "runs"
    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 2},
                             series, out=str(out))

    def refuse(*args, **kwargs):
        raise DataError("refused")

    monkeypatch.setattr(runner.data, "prepare", refuse)
    with pytest.raises(DataError):
        training.execute(plan, series, verbose=0)
    assert not out.exists()
    backup = os.path.join(plan.staging_dir, "backup")
    os.makedirs(backup)
    open(os.path.join(backup, "epoch-000001.weights.h5"), "w").close()
    with pytest.raises(DataError):
        training.execute(plan, series, verbose=0)
    assert os.listdir(backup) == ["epoch-000001.weights.h5"]


def test_a_full_disk_while_saving_a_backup_names_it_and_resumes(
        tmp_path, series, monkeypatch):
    # Issue 27 #14: one OSError naming the backup, no temporary file, the
    # staging directory kept; the same command then finishes the run.
    import builtins
    import errno

    from kzoo import storage

    def full(path, mode="r", *args, **kwargs):
        if "w" in mode and ".weights.h5" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return builtins.open(path, mode, *args, **kwargs)

    plan = training.plan_run("vqlnmlp", {"time_steps": 16, "epochs": 2},
                             series, out=str(tmp_path))
    monkeypatch.setattr(storage, "open", full, raising=False)
    with pytest.raises(OSError, match="cannot save the backup .*epoch-000001"
                       r"\.weights\.h5: No space left on device") as caught:
        training.execute(plan, series, verbose=0, backup_interval_s=0)
    assert caught.value.errno == errno.ENOSPC
    assert os.listdir(os.path.join(plan.staging_dir, "backup")) == []
    monkeypatch.undo()
    metrics = training.execute(plan, series, verbose=0, backup_interval_s=0)
    assert metrics["status"] == "complete" and metrics["attempts"] == 2


def test_a_tail_loss_run_trains_on_its_tail_and_loads(tmp_path, series):
    from kzoo.eval.run_dir import load_run

    hp = {"time_steps": 16, "epochs": 1, "d_model": 8, "vocab_size": 8,
          "block_size": 4, "patch": 2, "layers": 1, "loss_positions": 3}
    plan = training.plan_run("vqcache", hp, series, out=str(tmp_path))
    metrics = training.execute(plan, series, verbose=0)
    _, model = load_run(metrics["run_dir"])  # the saved model loads
    # Its val_loss is the tail's error, val_mse_next the last position's.
    windows = data.prepare(series, 16, "aligned", "random")
    pred = model.predict(windows.x_val, verbose=0)
    tail = np.mean((pred[:, -3:] - windows.y_val[:, -3:]) ** 2)
    assert metrics["val_loss"] == pytest.approx(tail, rel=2e-3)
    whole = np.mean((pred - windows.y_val) ** 2)
    assert abs(whole - tail) > 0.01 * tail  # not the whole window's
    with pytest.raises(ValueError, match=r"`loss_positions` must be an "
                       r"integer in \[0, 16\]"):
        training.plan_run("vqcache", {**hp, "loss_positions": 17}, series,
                          out=str(tmp_path))


def test_the_rollout_validation_is_in_the_history(tmp_path, series):
    plan = training.plan_run("linear", {"time_steps": 16, "epochs": 2,
                                        "rollout": 5}, series,
                             out=str(tmp_path))
    metrics = training.execute(plan, series, verbose=0)
    history = pd.read_csv(os.path.join(metrics["run_dir"], "history.csv"))
    assert np.isfinite(history["val_rollout"]).all() and len(history) == 2
