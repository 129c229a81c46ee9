"""Executing a planned run: fit, evaluate and record it.

A run fits in a staging directory `OUT/<name>/.partial-<key>/` that
`BackupAndRestore` resumes from when the same command runs again, and is
renamed to `OUT/<name>/<timestamp>/` only once complete, so a failed or
interrupted run never looks finished.
"""

import datetime
import json
import os
import shutil
import time

import keras
import numpy as np

import kzoo
from kzoo import backend as kzoo_backend
from kzoo import data
from kzoo.eval.forecast import next_values
from kzoo.eval.metrics import mse_next
from kzoo.eval.run_dir import CONFIG_FILE
from kzoo.eval.run_dir import HISTORY_FILE
from kzoo.eval.run_dir import METRICS_FILE
from kzoo.eval.run_dir import MODEL_FILE
from kzoo.training.callbacks import BackupAndRestore
from kzoo.training.callbacks import tensorboard
from kzoo.training.plan import build_model

# The validation pass runs in batches of up to this many training batches
# (forward only, so no gradients are kept): the same mean over the same
# windows, in fewer calls.
VALIDATION_BATCHES = 4


def execute(plan, series, verbose="auto", model=None, callbacks=(),
            fit_kwargs=None, extra_config=None, data_parallel=False,
            backup_interval_s=30.0):
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
    """
    args = (plan, series, verbose, model, callbacks, fit_kwargs, extra_config,
            backup_interval_s)
    if not data_parallel:
        return _execute(*args)
    with kzoo_backend.data_parallel() as strategy:
        return _execute(*args, n_devices=len(strategy.devices))


def _execute(plan, series, verbose, model, callbacks, fit_kwargs,
             extra_config, backup_interval_s, n_devices=None):
    keras.utils.set_random_seed(plan.seed)
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
    staging = plan.staging_dir
    resuming = os.path.isdir(staging)
    os.makedirs(staging, exist_ok=True)
    start = time.perf_counter()
    history = {}
    trains = bool(model.trainable_weights) and hp["epochs"] > 0
    if trains:
        history = _fit(model, plan, windows, staging, resuming, verbose,
                       callbacks, fit_kwargs, backup_interval_s,
                       bool(n_devices))
    wall = time.perf_counter() - start
    metrics = _metrics(model, plan, windows, history, wall)
    metrics["epochs"] = hp["epochs"] if trains else 0
    config = {
        **plan.config(),
        "name": plan.name,
        "normalization": windows.norm.to_dict(),
        "label": series.label,
        "time_label": series.time_label,
        "n_values": int(len(series.values)),
        "versions": kzoo_backend.library_versions(),
        "kzoo_version": kzoo.__version__,
        **extra_config,
    }
    if not os.path.exists(os.path.join(staging, HISTORY_FILE)):
        with open(os.path.join(staging, HISTORY_FILE), "w") as f:
            f.write("epoch,loss,val_loss\n")
    model.save(os.path.join(staging, MODEL_FILE))
    _write_json(os.path.join(staging, CONFIG_FILE), config)
    _write_json(os.path.join(staging, METRICS_FILE), metrics)
    shutil.rmtree(os.path.join(staging, "backup"), ignore_errors=True)
    final = _timestamp_dir(os.path.join(plan.out, plan.name))
    os.replace(staging, final)
    metrics["run_dir"] = final
    return metrics


def _shard(windows, batch_size, n_devices):
    """Cut the windows so every batch splits evenly over the devices."""
    if batch_size % n_devices:
        raise ValueError(
            f"batch_size={batch_size} must be a multiple of the "
            f"{n_devices} devices for data-parallel training"
        )
    # Drop the few windows (fewer than n_devices) that would leave a
    # remainder.
    for name in ("x_train", "y_train", "x_val", "y_val", "next_val"):
        array = getattr(windows, name)
        setattr(windows, name, array[: len(array) - len(array) % n_devices])


def _compile(model, hp, n_train, data_parallel):
    model.compile(
        optimizer=keras.optimizers.Adam(hp["lr"]), loss="mse",
        metrics=[mse_next],
        steps_per_execution=kzoo_backend.steps_per_execution(
            n_train, hp["batch_size"], data_parallel=data_parallel
        ),
    )


def _fit(model, plan, windows, staging, resuming, verbose, callbacks,
         fit_kwargs, backup_interval_s, data_parallel):
    hp = plan.hparams
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        BackupAndRestore(os.path.join(staging, "backup"),
                         interval_s=backup_interval_s),
        keras.callbacks.CSVLogger(
            os.path.join(staging, HISTORY_FILE), append=resuming
        ),
        tensorboard(os.path.join(staging, "logs")),
        *callbacks,
    ]
    arguments = kzoo_backend.fit_arguments(
        windows.train, windows.validation, hp["batch_size"],
        min(len(windows.x_val), VALIDATION_BATCHES * hp["batch_size"]),
        seed=plan.seed, data_parallel=data_parallel,
    )
    return model.fit(
        **arguments, epochs=hp["epochs"], callbacks=callbacks,
        verbose=verbose, **(fit_kwargs or {}),
    ).history


def _metrics(model, plan, windows, history, wall):
    """The run's figures; `val_mse_next` from a final forecast pass."""
    hp = plan.hparams
    if history.get("loss"):
        train_loss = float(history["loss"][-1])
        val_loss = float(history["val_loss"][-1])
    else:
        train_loss = _evaluate(model, *windows.train, hp["batch_size"])
        val_loss = _evaluate(model, *windows.validation, hp["batch_size"])
    pred = next_values(
        model.predict(windows.x_val, batch_size=256, verbose=0), plan.target
    )
    metrics = {
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_mse_next": float(np.mean((pred - windows.next_val) ** 2)),
        "params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "params_total": int(model.count_params()),
        "wall_s": round(wall, 3),
        "backend": keras.backend.backend(),
    }
    for key, values in history.items():
        if key not in ("loss", "val_loss", "val_mse_next") and values:
            metrics[key] = float(values[-1])
    return metrics


def _evaluate(model, x, y, batch_size):
    logs = model.evaluate(x, y, batch_size=batch_size, verbose=0,
                          return_dict=True)
    return float(logs["loss"])


def _timestamp_dir(parent):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H-%M-%S")
    path, n = os.path.join(parent, stamp), 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(parent, f"{stamp}-{n}")
    return path


def _write_json(path, values):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")
