"""Executing a planned run: fit, evaluate and record it.

A run fits in its locked staging directory (`kzoo.training.staging`),
resumes from its last good backup when the same command runs again, and is
renamed to `OUT/<name>/<timestamp>/` only once complete, so a failed or
interrupted run never looks finished and finished work is never redone.
"""

import math
import os

import keras
import numpy as np

import kzoo
from kzoo import backend as kzoo_backend
from kzoo import data
from kzoo.errors import UsageError
from kzoo.eval.forecast import next_values
from kzoo.eval.metrics import mse_next
from kzoo.eval.run_dir import CONFIG_FILE
from kzoo.eval.run_dir import HISTORY_FILE
from kzoo.eval.run_dir import METRICS_FILE
from kzoo.eval.run_dir import MODEL_FILE
from kzoo.eval.run_dir import read_metrics
from kzoo.storage import jsonable
from kzoo.storage import write_json
from kzoo.training.backup import BackupAndRestore
from kzoo.training.callbacks import tensorboard
from kzoo.training.callbacks import training_callbacks
from kzoo.training.interrupts import StopOnSignal
from kzoo.training.losses import training_loss
from kzoo.training.plan import build_model
from kzoo.training.staging import Staging

# The validation pass runs in batches of up to this many training batches
# (forward only, so no gradients are kept): the same mean over the same
# windows, in fewer calls.
VALIDATION_BATCHES = 4


def execute(plan, series, verbose="auto", model=None, callbacks=(),
            fit_kwargs=None, extra_config=None, data_parallel=False,
            backup_interval_s=30.0, wait=False, reuse=True, log=print,
            busy_hint=None, instrument=None):
    """Fit, evaluate and record one run; returns its metrics dict.

    Args:
        plan: from `plan_run`.
        series: the `kzoo.data.Series` the plan was made for.
        verbose: `fit()` verbosity.
        model: an already built model of the plan (KerasTuner builds its
            own); default: built here, seeded with `plan.seed`.
        callbacks: extra Keras callbacks (KerasTuner's, for instance).
        fit_kwargs: extra `fit()` arguments (`initial_epoch`, ...).
        extra_config: more entries for `config.json` (the tuner's ids).
        data_parallel: build and fit under `kzoo.backend.data_parallel`
            (every local device; JAX and TensorFlow only).
        backup_interval_s: save the resumable backup at the end of an epoch
            at most this often (seconds; 0: every epoch).
        wait: if another process is running the same run, wait for it
            (default: `kzoo.training.staging.RunBusy` at once).
        reuse: return an identical finished run instead of training again
            (its metrics, with `"reused": True`).
        log: function printing one line (resumes, damaged backups).
        busy_hint: what the user can do when another process runs the
            same run, ending the `RunBusy` message (default: wait for it
            and run the command again; train.py adds its `--wait`).
        instrument: a function given the fit's callbacks just before
            `fit`, returning those to use (the speed benchmark's clock,
            `kzoo.benchmarks.speed.profile.FitProfile.wrap`).

    Returns:
        The metrics (as in `metrics.json`) with `run_dir`. `status` is
        `"complete"`, or `"diverged"` when the loss became NaN or infinite
        (training stopped there; `epochs` is the epoch reached).
    """
    options = dict(verbose=verbose, model=model, callbacks=callbacks,
                   fit_kwargs=fit_kwargs, extra_config=extra_config,
                   backup_interval_s=backup_interval_s, log=log,
                   instrument=instrument)
    with Staging(plan, wait=wait, reuse=reuse, log=log,
                 hint=busy_hint) as stage:
        if stage.finished:
            return _reused(stage.finished)
        if not data_parallel:
            return _execute(plan, series, stage, **options)
        with kzoo_backend.data_parallel() as strategy:
            return _execute(plan, series, stage, **options,
                            n_devices=len(strategy.devices))


def _reused(run_dir):
    metrics = read_metrics(run_dir)
    metrics.update(run_dir=run_dir, reused=True)
    return metrics


def _execute(plan, series, stage, verbose, model, callbacks, fit_kwargs,
             extra_config, backup_interval_s, log, instrument,
             n_devices=None):
    kzoo_backend.set_random_seed(plan.seed)
    kzoo_backend.enable_determinism()
    hp = plan.hparams
    windows = data.prepare(series, hp["time_steps"], plan.target, plan.split)
    extra_config = dict(extra_config or {})
    if n_devices:
        _shard(windows, hp["batch_size"], n_devices)
        extra_config["data_parallel_devices"] = n_devices
    if model is None:
        model = build_model(plan)
    _compile(model, hp, len(windows.x_train), bool(n_devices))
    rows, reached, best_epoch = [], 0, None
    trains = bool(model.trainable_weights) and hp["epochs"] > 0
    solved = _solved_layers(model)
    if solved or trains:
        stage.start_clock()
    for layer in solved:  # closed-form layers (`RidgeCodebook`)
        layer.solve(windows.x_train, windows.y_train)
    if trains:
        reached, best_epoch = _fit(model, plan, windows, stage, verbose,
                                   callbacks, fit_kwargs, backup_interval_s,
                                   log, bool(n_devices), instrument)
        rows = _history_rows(os.path.join(stage.path, HISTORY_FILE))
    diverged = best_epoch is None and any(
        not math.isfinite(row.get("loss", math.nan)) for row in rows)
    metrics = _metrics(model, plan, windows, rows, best_epoch, diverged)
    if not all(math.isfinite(metrics[key])
               for key in ("train_loss", "val_mse_next")):
        # A closed-form solve (or a fit) whose forecasts are NaN or
        # infinite: recorded as diverged, never as a complete run.
        diverged = True
        metrics["val_mse_next"] = math.nan
    metrics.update(
        status="diverged" if diverged else "complete",
        epochs=reached if trains else 0,
        wall_s=round(stage.wall_s(), 3),
        attempts=stage.attempts,
    )
    if best_epoch is not None:
        metrics["best_epoch"] = best_epoch
    config = {
        **plan.config(),
        "key": plan.key(),
        "name": plan.name,
        "normalization": windows.norm.to_dict(),
        "label": series.label,
        "time_label": series.time_label,
        "n_values": int(len(series.values)),
        "versions": kzoo_backend.library_versions(),
        "kzoo_version": kzoo.__version__,
        **extra_config,
    }
    if series.range is not None:
        config.update(data_range=list(series.range),
                      base_dataset=series.base_spec)
    history_path = os.path.join(stage.path, HISTORY_FILE)
    if not os.path.exists(history_path):
        with open(history_path, "w", encoding="utf-8") as f:
            f.write("epoch,loss,val_loss\n")
    model.save(os.path.join(stage.path, MODEL_FILE))
    write_json(os.path.join(stage.path, CONFIG_FILE), config)
    write_json(os.path.join(stage.path, METRICS_FILE), jsonable(metrics))
    metrics["run_dir"] = stage.finish()
    return metrics


def _solved_layers(model):
    """The layers fitted in closed form (`RidgeCodebook`): they `solve`."""
    return [layer for layer in model.layers if hasattr(layer, "solve")]


def _fitted_params(model):
    """Values fitted to the data: trainable weights and solved layers'."""
    fitted = list(model.trainable_weights) + [
        w for layer in _solved_layers(model) for w in layer.weights]
    return int(sum(np.prod(w.shape) for w in fitted))


def _shard(windows, batch_size, n_devices):
    """Cut the windows so every batch splits evenly over the devices."""
    if batch_size % n_devices:
        raise UsageError(
            f"batch_size={batch_size} must be a multiple of the "
            f"{n_devices} devices for data-parallel training"
        )
    # Drop the few windows (fewer than n_devices) that would leave a
    # remainder.
    for name in ("x_train", "y_train", "x_val", "y_val", "next_val"):
        array = getattr(windows, name)
        setattr(windows, name, array[: len(array) - len(array) % n_devices])


def _compile(model, hp, n_train, data_parallel):
    learning_rate = hp["lr"]
    if hp["schedule"] == "cosine":
        steps = math.ceil(n_train / hp["batch_size"]) * max(hp["epochs"], 1)
        learning_rate = keras.optimizers.schedules.CosineDecay(
            hp["lr"], decay_steps=steps, alpha=0.01)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=training_loss(hp),
        metrics=[mse_next],
        steps_per_execution=kzoo_backend.steps_per_execution(
            n_train, hp["batch_size"], data_parallel=data_parallel
        ),
    )


def _fit(model, plan, windows, stage, verbose, callbacks, fit_kwargs,
         backup_interval_s, log, data_parallel, instrument=None):
    """Fit from the last good backup; `(epochs reached, best epoch)`."""
    hp = plan.hparams
    training, best = training_callbacks(hp, stage.path, windows,
                                        plan.target)
    backup = BackupAndRestore(os.path.join(stage.path, "backup"),
                              interval_s=backup_interval_s,
                              on_restore=stage.rewind, log=log)
    callbacks = [
        StopOnSignal(),  # first: Keras swallows a Ctrl-C mid-batch
        backup,  # before the others start: it rewinds the history
        keras.callbacks.TerminateOnNaN(),
        *training,  # before the records: they log `val_rollout`
        keras.callbacks.CSVLogger(
            os.path.join(stage.path, HISTORY_FILE), append=True
        ),
        tensorboard(os.path.join(stage.path, "logs")),
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: stage.save_progress()),
        # Last: a backup claims an epoch only once it is recorded.
        backup.saver(),
        *callbacks,
    ]
    if instrument is not None:
        callbacks = instrument(callbacks)
    arguments = kzoo_backend.fit_arguments(
        windows.train, windows.validation, hp["batch_size"],
        min(len(windows.x_val), VALIDATION_BATCHES * hp["batch_size"]),
        seed=plan.seed, data_parallel=data_parallel,
    )
    history = model.fit(
        **arguments, epochs=hp["epochs"], callbacks=callbacks,
        verbose=verbose, **(fit_kwargs or {}),
    ).history
    start = max(backup.restored_epoch, (fit_kwargs or {}).get(
        "initial_epoch", 0))
    return (start + len(history.get("loss", [])),
            None if best is None else best.best_epoch)


def _history_rows(path):
    """The rows of `history.csv` (every attempt's epochs), as dicts."""
    import pandas as pd

    if not os.path.isfile(path):
        return []
    return pd.read_csv(path).to_dict("records")


def _metrics(model, plan, windows, rows, best_epoch, diverged):
    """The run's figures at its final (or best) epoch.

    `val_mse_next` comes from a forecast pass with the weights kept.
    """
    hp = plan.hparams
    kept = [r for r in rows if r.get("epoch") == best_epoch] or rows[-1:]
    if kept:
        train_loss = float(kept[0]["loss"])
        val_loss = float(kept[0].get("val_loss", math.nan))
    else:
        train_loss = _evaluate(model, *windows.train, hp["batch_size"])
        val_loss = _evaluate(model, *windows.validation, hp["batch_size"])
    pred = next_values(
        model.predict(windows.x_val, batch_size=256, verbose=0), plan.target
    )
    with np.errstate(over="ignore", invalid="ignore"):
        mse = float(np.mean((pred - windows.next_val) ** 2))
    metrics = {
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_mse_next": math.nan if diverged else mse,
        "params": _fitted_params(model),
        "params_total": int(model.count_params()),
        "backend": keras.backend.backend(),
    }
    for key, value in (kept[0] if kept else {}).items():
        if key not in ("epoch", "loss", "val_loss", "val_mse_next", "lr",
                       "learning_rate") and math.isfinite(value):
            metrics[key] = float(value)
    return metrics


def _evaluate(model, x, y, batch_size):
    logs = model.evaluate(x, y, batch_size=batch_size, verbose=0,
                          return_dict=True)
    return float(logs["loss"])
