"""Measuring one cell of the vocabulary study (`kzoo.benchmarks.study.design`).

    KERAS_BACKEND=jax python -m kzoo.benchmarks.study.measure CONFIG_JSON

runs one cell in a fresh process (so its peak RSS is its own) and prints
`RESULT <json>`; `measure_cell` does the same in the calling process.

Every result holds its `key` (`result_key`): everything that produced it
(model and every hyperparameter, seeds, recall lags and epochs, horizon,
the window tasks, backend, `VERSION` of this code) and, for a cell
skipped by the time limit, that limit (`limit_s`). A study reuses a
result only under the same key, or one that holds more of the window
tasks (`reuse`).
"""

import contextlib
import functools
import json
import os
import resource
import signal
import sys
import threading
import time

import keras

from kzoo import data
from kzoo import models
from kzoo import training
from kzoo.benchmarks.forecast import design as forecast
from kzoo.benchmarks.recall import measure as recall
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import recall_curve
from kzoo.benchmarks.study import window_tasks
from kzoo.eval import protocols
from kzoo.eval.predict import evaluate_run
from kzoo.storage import jsonable
from kzoo.training.plan import data_fingerprint

# The version of what a result means: raise it whenever a change here or
# in `design` changes what a cell measures, so that older results are not
# mixed with newer ones (a study refuses them).
VERSION = 4


def result_key(config):
    """What produces the result of `config` (a cell or the reference)."""
    if config.get("reference"):
        name, settings = "lstm", {}
    else:
        name, settings, _, _ = design.cell_settings(
            config["family"], config["variant"], config["vocab"])
    if config.get("epochs"):
        settings["epochs"] = config["epochs"]
    hparams = models.spec(name).hparams(**settings)
    recall_plan = recall_curve.plan(config)
    if recall_plan is not None:
        recall_plan["series"] = [_fingerprint(f"recall:{lag}")
                                 for lag in recall_plan["lags"]]
    logistic_plan = None
    if _with_logistic(config):
        fed_back = protocols.LOGISTIC
        logistic_plan = {
            "series": _fingerprint(fed_back.series),
            "train": fed_back.train, "starts": fed_back.starts().tolist(),
            "horizon": fed_back.horizon,
            "threshold": protocols.LOGISTIC_THRESHOLD}
    key = {"version": VERSION, "backend": keras.backend.backend(),
           "model": name, "hparams": hparams, "seeds": list(config["seeds"]),
           "series": _fingerprint("y_w"), "split": "random",
           "horizon": config.get("horizon"), "recall": recall_plan,
           "logistic": logistic_plan}
    tasks = window_tasks.keyed(window_tasks.plan(config))
    if tasks:  # absent, not None, when none: older keys stay equal
        key["tasks"] = tasks
    return jsonable(key)


def _with_logistic(config):
    """The per-token cells are measured on the logistic map (capacity: one
    value determines the next), the mixers by recall; the LSTM on what its
    study's families are measured on."""
    if config.get("reference"):
        return "per-token" in recall_curve.reference_families(config)
    return config["family"] == "per-token"


def _with_recall(config):
    return recall_curve.plan(config) is not None


@functools.lru_cache(maxsize=None)
def _fingerprint(spec):
    """`spec` (`y_w`, a logistic map or `recall:LAG`), its window length
    and data's SHA-1: a change to the series changes the key."""
    if not spec.startswith("recall:"):
        series, steps = data.load(spec), None
    else:
        lag = int(spec.split(":")[1])
        series, steps = recall.recall_series(lag), recall.recall_windows(lag)
    return {"spec": spec, "time_steps": steps,
            "data_sha1": data_fingerprint(series.values)}


class StepTooSlow(BaseException):
    """A timed training step ran past its deadline.

    A `BaseException`, as `KeyboardInterrupt`: library code that catches
    `Exception` around a step must not swallow it.
    """


@contextlib.contextmanager
def deadline(seconds):
    """Raise `StepTooSlow` inside the block after `seconds`.

    Uses `SIGALRM`, so only in the main thread (elsewhere, or with
    `seconds=None`, the block runs unbounded). The signal is handled
    between Python operations: a single long kernel finishes first.
    """
    if seconds is None or (threading.current_thread()
                           is not threading.main_thread()):
        yield
        return

    def expire(signum, frame):
        raise StepTooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def step_seconds(name, settings, series, repeats=2, limit_s=None):
    """`(seconds of one training step, steps of one run)` of a cell's model.

    The step is the mean of `repeats` timed steps after a warm-up step
    (which includes any compilation and first-call set-up). With
    `limit_s`, every step runs under a deadline of `limit_s` (a step still
    running then raises `StepTooSlow`), and the timing stops at the first
    timed step that already puts one run past `limit_s`: timing more steps
    of a model too slow to run would cost minutes each.
    """
    import keras

    plan = training.plan_run(name, settings, series, "random", 0)
    windows = data.prepare(series, plan.hparams["time_steps"], plan.target)
    model = training.build_model(plan)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    batch = plan.hparams["batch_size"]
    x, y = windows.x_train[:batch], windows.y_train[:batch]
    run_steps = plan.hparams["epochs"] * -(-len(windows.x_train) // batch)
    with deadline(limit_s):
        model.train_on_batch(x, y)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        with deadline(limit_s):
            model.train_on_batch(x, y)
        times.append(time.perf_counter() - began)
        if limit_s is not None and times[-1] * run_steps > limit_s:
            break
    return sum(times) / len(times), run_steps


def measure_cell(config, log=print):
    """One cell: a dict with the cell's rows (one per seed) or why skipped.

    `config`: `family`, `variant`, `vocab`, `seeds`, `out`, `limit_s` (skip
    a cell whose single run is estimated longer, from the time of a
    training step; `None`: no estimate, no step time), and optionally
    `epochs`, `recall_epochs`, `recall_lags`, `horizon` (regressive steps;
    default to the end of the series), `window_tasks` (names of
    `design.WINDOW_TASKS`) and `window_task_overrides`. A cache cell
    whose `(batch, T, codes)` tensors would not fit in memory is skipped,
    with the reason.
    """
    family, variant = config["family"], config["variant"]
    vocab = config["vocab"]
    name, settings, effective, rows = design.cell_settings(family, variant,
                                                          vocab)
    if config.get("epochs"):
        settings["epochs"] = config["epochs"]
    cell = {"family": family, "variant": variant, "vocab": vocab,
            "model": name, "effective_vocab": effective, "rows": rows,
            "settings": {k: list(v) if isinstance(v, tuple) else v
                         for k, v in settings.items()},
            "key": result_key(config)}
    series = data.load("y_w")
    too_big = design.cache_memory(family, name, settings)
    if too_big:
        cell["skipped"] = too_big
        cell["key"]["limit_s"] = config.get("limit_s")
        return cell
    if config.get("limit_s"):
        try:
            step, run_steps = step_seconds(name, settings, series,
                                           limit_s=config["limit_s"])
        except StepTooSlow:
            cell["skipped"] = (f"one training step took over "
                               f"{config['limit_s'] / 60:g} min")
            cell["key"]["limit_s"] = config["limit_s"]
            return cell
        cell["step_ms"] = 1000 * step
        estimate = step * run_steps
        if estimate > config["limit_s"]:
            cell["skipped"] = (f"one run would take ~{estimate / 60:.0f} min "
                               f"(> {config['limit_s'] / 60:g})")
            cell["key"]["limit_s"] = config["limit_s"]
            return cell
    cell["runs"] = _runs(name, settings, config, _with_recall(config), log,
                         _with_logistic(config))
    cell["peak_rss_mb"] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024
    return cell


def measure_reference(config, log=print):
    """The LSTM at its reference settings: the line the study must beat."""
    overrides = {"epochs": config["epochs"]} if config.get("epochs") else {}
    return {"family": "reference", "variant": "lstm", "model": "lstm",
            "key": result_key(config),
            "runs": _runs("lstm", overrides, config, _with_recall(config),
                          log, _with_logistic(config))}


def _logistic(name, settings, seed, config, log):
    """One-step NMSE and fed-back horizon on the logistic map
    (`kzoo.benchmarks.forecast.design.logistic`: a chronological split,
    kzoo's own training under the cell's settings)."""
    row = forecast.logistic(name, seed, os.path.join(config["out"],
                                                     "logistic"),
                            settings, log=log)
    return {"logistic_nmse": row["one_step_nmse"],
            "logistic_horizon": row["horizon"]}


def _runs(name, settings, config, with_recall, log, with_logistic=False):
    """Every seed of a model on the reference series (and recall, the
    logistic map and the window tasks)."""
    series = data.load("y_w")
    results = []
    for seed in config["seeds"]:
        plan = training.plan_run(name, settings, series, "random", seed,
                                 config["out"])
        metrics = training.execute(plan, series, verbose=0, log=log)
        regressive = evaluate_run(metrics["run_dir"], plots=False,
                                  horizon=config.get("horizon"))
        result = {"seed": seed, "val_mse_next": metrics["val_mse_next"],
                  "mse_regressive": regressive["regressive"]["mse"],
                  "params": metrics["params"], "wall_s": metrics["wall_s"],
                  "epochs": metrics["epochs"],
                  "s_per_epoch": metrics["wall_s"] / max(metrics["epochs"], 1),
                  "run_dir": metrics["run_dir"]}
        if with_recall:
            result.update(recall_curve.measure(name, settings, seed, config,
                                               log))
        if with_logistic:
            result.update(_logistic(name, settings, seed, config, log))
        if window_tasks.plan(config):
            result.update(window_tasks.measure(name, settings, seed, config,
                                               log))
        results.append(result)
    return results


if __name__ == "__main__":
    from kzoo.benchmarks import child

    settings = json.loads(sys.argv[1])
    measure = measure_reference if settings.get("reference") else (
        measure_cell)
    child.emit(jsonable(measure(settings, log=lambda *a: None)))
