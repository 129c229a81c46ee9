"""Training throughput, reference configurations and rollout speed."""

import time

import keras
import numpy as np

from kzoo import backend as kzoo_backend
from kzoo import data
from kzoo import models
from kzoo import training
from kzoo.eval import forecast

# The reference PyTorch code, 50 epochs on y+w on a 2-core CPU
# (docs/REFERENCE.md, re-run there).
REFERENCE = {
    "lstm": {"wall_s": 16.0, "val_loss": 0.0137},
    "vqlnmlp": {"wall_s": 3.0, "val_loss": 0.0264},
    "vqlnpemlp": {"wall_s": 13.0, "val_loss": 0.0262},
}


def throughput(name, series, jit_compile="auto", epochs=5, **overrides):
    """Windows per second and seconds per epoch of `fit` (no validation).

    The first epoch (tracing and compilation) is timed apart and excluded.
    """
    plan = training.plan_run(name, overrides, series)
    hp = plan.hparams
    x, y = data.prepare(series, hp["time_steps"], plan.target).train
    kzoo_backend.set_random_seed(0)
    model = models.build(name, **hp)
    if not model.trainable_weights:
        return None
    model.compile(keras.optimizers.Adam(hp["lr"]), "mse",
                  jit_compile=jit_compile)
    start = time.perf_counter()
    model.fit(x, y, batch_size=hp["batch_size"], epochs=1, verbose=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, y, batch_size=hp["batch_size"], epochs=epochs, verbose=0)
    per_epoch = (time.perf_counter() - start) / epochs
    return {"model": name, "jit_compile": str(jit_compile),
            "windows_per_s": len(x) / per_epoch, "s_per_epoch": per_epoch,
            "first_epoch_s": first, "windows": len(x)}


def reference_run(name, series, out, epochs=50, **overrides):
    """A full kzoo run with the reference configuration of `name`, profiled.

    Timed anew every time: a finished identical run in `out` is not
    reused (each call leaves a new run directory, `run_dir`). `profile`:
    where the run's time went (`kzoo.benchmarks.speed.profile`).
    """
    from kzoo.benchmarks.speed.profile import FitProfile

    profile = FitProfile()
    plan = training.plan_run(name, {"epochs": epochs, **overrides}, series,
                             out=out)
    metrics = training.execute(plan, series, verbose=0, reuse=False,
                               instrument=profile.wrap)
    reference = REFERENCE.get(name, {}) if not overrides else {}
    return {"model": name, "wall_s": metrics["wall_s"],
            "time_steps": plan.hparams["time_steps"],
            "run_dir": metrics["run_dir"],
            "val_loss": metrics["val_loss"],
            "val_mse_next": metrics["val_mse_next"], "epochs": epochs,
            "reference_wall_s": reference.get("wall_s"),
            "reference_val_loss": reference.get("val_loss"),
            "profile": profile.summary(metrics["wall_s"])}


def plain_pytorch(name, series, epochs=50, **overrides):
    """The reference loop in plain PyTorch on this machine, same windows.

    `kzoo.backend.torch_reference`: what the reference code does, timed
    here, since the reference figures above come from another machine.
    """
    from kzoo.backend import torch_reference

    plan = training.plan_run(name, {"epochs": epochs, **overrides}, series)
    hp = plan.hparams
    windows = data.prepare(series, hp["time_steps"], plan.target)
    extra = {k: hp[k] for k in ("vocab_size", "d_model") if k in hp}
    result = torch_reference.train(
        name, windows.train, windows.validation, epochs, hp["batch_size"],
        hp["lr"], seed=plan.seed, **extra)
    return {"model": name, "epochs": epochs, **result}


def rollout_speed(name, steps, time_steps=None):
    """Regressive forecast steps per second, one start point."""
    hp = {} if time_steps is None else {"time_steps": time_steps}
    model = models.build(name, **hp)
    ts = model.input_shape[1]
    z = np.sin(np.arange(ts + 10) / 7.0).astype("float32")
    target = models.spec(name).target
    forecast.rollout(model, z, [ts], 5, ts, target)  # compile
    start = time.perf_counter()
    forecast.rollout(model, z, [ts], steps, ts, target)
    seconds = time.perf_counter() - start
    return {"model": name, "time_steps": ts, "steps": steps,
            "seconds": seconds, "steps_per_s": steps / seconds}
