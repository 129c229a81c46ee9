"""Planning, fitting and recording kzoo runs (what `recipes/train.py` does).

A run is planned first (`plan_run`: hyperparameters validated, model built
once, nothing written), then executed (`execute`): it fits in a staging
directory `OUT/<name>/.partial-<key>/` that `BackupAndRestore` resumes from
when the same command runs again, and is renamed to `OUT/<name>/<timestamp>/`
only once complete, so a failed or interrupted run never looks finished.
"""

import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import time

import keras
import numpy as np

from kzoo import backend as kzoo_backend
from kzoo import models
from kzoo.data import ZScore
from kzoo.data import check_length
from kzoo.data import make_windows
from kzoo.data import split_indices
from kzoo.data.datasets import DataError
from kzoo.eval.forecast import next_values
from kzoo.eval.metrics import mse_next
from kzoo.training.callbacks import BackupAndRestore
from kzoo.training.callbacks import tensorboard

PARTIAL_PREFIX = ".partial-"


@dataclasses.dataclass
class Plan:
    """A validated run that has not started."""

    model: str
    hparams: dict
    dataset: str
    dataset_name: str
    split: str
    seed: int
    out: str
    name: str
    target: str

    def config(self):
        return {
            "model": self.model,
            "hparams": _jsonable(self.hparams),
            "dataset": self.dataset,
            "dataset_name": self.dataset_name,
            "split": self.split,
            "seed": self.seed,
            "target": self.target,
            "backend": keras.backend.backend(),
        }

    def key(self):
        text = json.dumps(self.config(), sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    @property
    def staging_dir(self):
        return os.path.join(self.out, self.name, PARTIAL_PREFIX + self.key())


def _jsonable(values):
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in values.items()}


def run_name(model, hparams, dataset_name, split="random"):
    """The reference's run naming, e.g. `vqlnpemlp_vs512_dm32_y_w_ts96_lr0.007`.

    Hyperparameters that define the model appear when the model has them;
    those that differ from the model's defaults are added (`nh`, `pe`,
    `hard`, `train`, `bs`, `chrono`).
    """
    defaults = models.spec(model).defaults
    parts = [model]
    hp = hparams
    if "sizes" in hp:
        parts.append("sz" + "-".join(str(s) for s in hp["sizes"]))
        parts.append(hp["order"])
    elif "vocab_size" in hp:
        parts.append(f"vs{hp['vocab_size']}")
    if "d_model" in hp:
        parts.append(f"dm{hp['d_model']}")
    if hp.get("n_head", 1) > 1:
        parts.append(f"nh{hp['n_head']}")
    for key, tag in (("units", "u"), ("layers", "l"), ("patch", "p"),
                     ("n_mix", "mix")):
        if key in hp and hp[key] != defaults[key]:
            parts.append(f"{tag}{hp[key]}")
    if "pe" in hp and hp["pe"] != defaults["pe"]:
        parts.append(f"pe{hp['pe']}")
    if hp.get("residual") != defaults.get("residual"):
        parts.append("res" if hp.get("residual") else "nores")
    if hp.get("codebook") == "hard":
        parts.append("hard")
    if hp.get("train_codebook"):
        parts.append("train")
    parts += [dataset_name, f"ts{hp['time_steps']}", f"lr{float(hp['lr'])!r}"]
    if hp["batch_size"] != defaults["batch_size"]:
        parts.append(f"bs{hp['batch_size']}")
    if split != "random":
        parts.append(split)
    return "_".join(parts)


def plan_run(model, overrides, series, split="random", seed=0, out="runs"):
    """Validate a run without side effects; `ValueError` names the problem."""
    model_spec = models.spec(model)
    hparams = model_spec.hparams(**overrides)
    check_length(len(series.values), hparams["time_steps"])
    count = len(series.values) - hparams["time_steps"]
    train, val = split_indices(count, hparams["time_steps"], split)
    if len(train) < 1 or len(val) < 1:
        raise DataError(
            f"the series has {len(series.values)} values: too short for a "
            f"{split} split with time_steps={hparams['time_steps']}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    plan = Plan(
        model=model,
        hparams=hparams,
        dataset=series.spec,
        dataset_name=series.name,
        split=split,
        seed=seed,
        out=out,
        name=run_name(model, hparams, series.name, split),
        target=model_spec.target,
    )
    build_model(plan)  # Raises on combinations the layers refuse.
    return plan


def build_model(plan):
    """The (uncompiled) model of a plan."""
    return models.build(plan.model, **plan.hparams)


def _timestamp_dir(parent):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H-%M-%S")
    path, n = os.path.join(parent, stamp), 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(parent, f"{stamp}-{n}")
    return path


def dataset_arrays(plan, series):
    """Normaliser and `(x, y)` of training and validation windows."""
    norm = ZScore.fit(series.values)
    z = norm.transform(series.values)
    ts = plan.hparams["time_steps"]
    x, y = make_windows(z, ts, plan.target)
    train, val = split_indices(len(x), ts, plan.split)
    next_values = z[np.arange(len(x)) + ts].astype(np.float32)
    return norm, (x[train], y[train]), (x[val], y[val]), next_values[val]


def next_value_predictions(model, x, target, batch_size=256):
    """The value after each window, as the model forecasts it: `(n,)`."""
    return next_values(model.predict(x, batch_size=batch_size, verbose=0),
                       target)


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

    The validation pass runs in batches of up to `VALIDATION_BATCHES`
    training batches (forward only, so no gradients are kept): the same
    mean over the same windows, in fewer calls.
    """
    args = (plan, series, verbose, model, callbacks, fit_kwargs, extra_config,
            backup_interval_s)
    if not data_parallel:
        return _execute(*args)
    with kzoo_backend.data_parallel() as strategy:
        return _execute(*args, n_devices=len(strategy.devices))


def _trim(arrays, multiple):
    """Cut arrays to a multiple of `multiple` rows (device sharding)."""
    keep = len(arrays[0]) - len(arrays[0]) % multiple
    return [a[:keep] for a in arrays]


VALIDATION_BATCHES = 4


def _execute(plan, series, verbose, model, callbacks, fit_kwargs,
             extra_config, backup_interval_s, n_devices=None):
    keras.utils.set_random_seed(plan.seed)
    kzoo_backend.enable_determinism()
    norm, (x_train, y_train), (x_val, y_val), next_val = dataset_arrays(
        plan, series
    )
    hp = plan.hparams
    extra_config = dict(extra_config or {})
    if n_devices:
        if hp["batch_size"] % n_devices:
            raise ValueError(
                f"batch_size={hp['batch_size']} must be a multiple of the "
                f"{n_devices} devices for data-parallel training"
            )
        # Every batch must split evenly over the devices: drop the few
        # windows (fewer than n_devices) that would leave a remainder.
        x_train, y_train = _trim([x_train, y_train], n_devices)
        x_val, y_val, next_val = _trim([x_val, y_val, next_val], n_devices)
        extra_config["data_parallel_devices"] = n_devices
    if model is None:
        model = build_model(plan)
    model.compile(
        optimizer=keras.optimizers.Adam(hp["lr"]), loss="mse",
        metrics=[mse_next],
        steps_per_execution=kzoo_backend.steps_per_execution(
            len(x_train), hp["batch_size"], data_parallel=bool(n_devices)
        ),
    )
    staging = plan.staging_dir
    resuming = os.path.isdir(staging)
    os.makedirs(staging, exist_ok=True)
    trainable = bool(model.trainable_weights) and hp["epochs"] > 0
    history = {}
    start = time.perf_counter()
    if trainable:
        callbacks = [
            keras.callbacks.TerminateOnNaN(),
            BackupAndRestore(os.path.join(staging, "backup"),
                             interval_s=backup_interval_s),
            keras.callbacks.CSVLogger(
                os.path.join(staging, "history.csv"), append=resuming
            ),
            tensorboard(os.path.join(staging, "logs")),
            *callbacks,
        ]
        history = model.fit(
            **kzoo_backend.fit_arguments(
                (x_train, y_train), (x_val, y_val), hp["batch_size"],
                min(len(x_val), VALIDATION_BATCHES * hp["batch_size"]),
                seed=plan.seed, data_parallel=bool(n_devices),
            ),
            epochs=hp["epochs"],
            callbacks=callbacks,
            verbose=verbose,
            **(fit_kwargs or {}),
        ).history
    wall = time.perf_counter() - start
    if history.get("loss"):
        train_loss = float(history["loss"][-1])
        val_loss = float(history["val_loss"][-1])
    else:
        train_loss = _evaluate(model, x_train, y_train, hp["batch_size"])
        val_loss = _evaluate(model, x_val, y_val, hp["batch_size"])
        if not os.path.exists(os.path.join(staging, "history.csv")):
            with open(os.path.join(staging, "history.csv"), "w") as f:
                f.write("epoch,loss,val_loss\n")
    pred = next_value_predictions(model, x_val, plan.target)
    history.pop("val_mse_next", None)
    metrics = {
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_mse_next": float(np.mean((pred - next_val) ** 2)),
        "params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "params_total": int(model.count_params()),
        "epochs": hp["epochs"] if trainable else 0,
        "wall_s": round(wall, 3),
        "backend": keras.backend.backend(),
    }
    for key, values in history.items():
        if key not in ("loss", "val_loss") and values:
            metrics[key] = float(values[-1])
    config = plan.config()
    config.update(
        {
            "name": plan.name,
            "normalization": norm.to_dict(),
            "label": series.label,
            "time_label": series.time_label,
            "n_values": int(len(series.values)),
            "versions": kzoo_backend.library_versions(),
            **extra_config,
        }
    )
    model.save(os.path.join(staging, "model.keras"))
    _write_json(os.path.join(staging, "config.json"), config)
    _write_json(os.path.join(staging, "metrics.json"), metrics)
    shutil.rmtree(os.path.join(staging, "backup"), ignore_errors=True)
    final = _timestamp_dir(os.path.join(plan.out, plan.name))
    os.replace(staging, final)
    metrics["run_dir"] = final
    return metrics


def _evaluate(model, x, y, batch_size):
    logs = model.evaluate(x, y, batch_size=batch_size, verbose=0,
                          return_dict=True)
    return float(logs["loss"])


def _write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


RESULT_COLUMNS = ("File", "Loss", "val_mse_next", "params", "backend", "wall_s")


def results_table(rows, out_root):
    """Markdown table in the reference's format, one row per run."""
    lines = [
        "| " + " | ".join(RESULT_COLUMNS) + " |",
        "|" + "|".join("---" for _ in RESULT_COLUMNS) + "|",
    ]
    for m in rows:
        lines.append(table_row(m, out_root))
    return "\n".join(lines)


def table_row(metrics, out_root):
    file = os.path.relpath(metrics["run_dir"], out_root)
    return (
        f"| {file} | {metrics['val_loss']:.6g} | {metrics['val_mse_next']:.6g}"
        f" | {metrics['params']} | {metrics['backend']} | {metrics['wall_s']:.1f} |"
    )


def append_results(rows, out_root):
    """Append rows to `OUT/results.md`, writing the header the first time."""
    path = os.path.join(out_root, "results.md")
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write(results_table([], out_root) + "\n")
        for m in rows:
            f.write(table_row(m, out_root) + "\n")
    return path
