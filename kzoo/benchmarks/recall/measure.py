"""One measurement of the recall benchmark: a model, or a peer, on a task.

Every model run is a kzoo run (`kzoo.training.plan_run` / `execute`): a
repeated call reuses the finished run. The scores (see `tasks`):

- lag: aligned models that can score a tail train on the positions the
  window predicts (`tasks.predictable`, `loss_positions`); the score is
  `val_mse_next` of the chronological split, the mean squared error
  of the z-scored validation values (z-scored over the whole series, of
  unit variance by construction: the NMSE). A model "remembers K" when
  it stays under `RECALL_THRESHOLD` (0.1; the floor is 0.059).
- content: the same error at the scored positions of the validation part
  only, overall and per distance band `[2^k, 2^(k+1))`.
- taylor: the NMSE of the held-out values (error over their variance).
"""

import numpy as np

from kzoo import data
from kzoo import models
from kzoo import training
from kzoo.benchmarks.recall import tasks
from kzoo.benchmarks.recall.peers import NearestKeyRead
from kzoo.benchmarks.recall.peers import VQCacheCeiling
from kzoo.benchmarks.recall.peers import WindowAR
from kzoo.benchmarks.recall.peers import seasonal_naive
from kzoo.errors import UsageError
from kzoo.eval.forecast import next_values
from kzoo.eval.metrics import nmse
from kzoo.eval.run_dir import load_run

RECALL_THRESHOLD = 0.1


def recall_series(lag, task=None):
    """The lag task's series at `lag` (`tasks.LagTask` by default)."""
    return (task or tasks.LagTask()).series(lag)


def recall_windows(lag):
    """The window length of the recall task at `lag`."""
    return tasks.time_steps(lag)


def lag_plan(name, lag, settings, seed, out, task=None):
    """`(plan, series)` of a model on the lag task (nothing written)."""
    series = recall_series(lag, task)
    settings = {**settings, "time_steps": recall_windows(lag)}
    if "loss_positions" in models.spec(name).defaults:
        settings.setdefault("loss_positions", tasks.predictable(lag))
    return training.plan_run(name, settings, series, "chrono", seed,
                             out), series


def recall_run(name, lag, epochs, out, seed=0, overrides=None, log=print,
               task=None, verbose=0):
    """One model at one lag: the run's metrics (`val_mse_next` is the NMSE,
    also under `nmse`).

    `overrides` go to the model (its window length is the task's); `task`
    is a `tasks.LagTask` (default: the standard one).
    """
    plan, series = lag_plan(name, lag, {**(overrides or {}),
                                        "epochs": epochs}, seed, out, task)
    metrics = training.execute(plan, series, verbose=verbose, log=log)
    metrics["nmse"] = metrics["val_mse_next"]
    return metrics


def longest_recall(rows):
    """Largest lag per model with NMSE under the threshold (0 if none)."""
    best = {}
    for row in rows:
        best.setdefault(row["model"], 0)
        nmse_ = row["nmse"]
        if nmse_ is not None and nmse_ < RECALL_THRESHOLD:
            best[row["model"]] = max(best[row["model"]], row["lag"])
    return best


def content_plan(name, settings, seed, out, task):
    series = task.series()
    settings = {**settings, "time_steps": task.window}
    return training.plan_run(name, settings, series, "chrono", seed,
                             out), series


def _val_targets(length, time_steps, split="chrono"):
    """Indices of the next values of the training and validation windows."""
    train, val = data.split_indices(length - time_steps, time_steps, split)
    return train + time_steps, val + time_steps


def distance_bands(distances):
    """The band `2^k` (its lower edge) of every distance."""
    return 2 ** np.floor(np.log2(np.asarray(distances))).astype(int)


def content_scores(predict, z, task):
    """`{"nmse": overall, "bands": {edge: NMSE}}` at the scored positions
    of the validation part; `predict(z, targets)` forecasts `z[targets]`."""
    _, val = _val_targets(len(z), task.window)
    positions, distances = task.scored()
    keep = positions >= val[0]
    positions, distances = positions[keep], distances[keep]
    error = (predict(z, positions) - z[positions]) ** 2
    bands = distance_bands(distances)
    return {"nmse": float(error.mean()),
            "bands": {int(b): float(error[bands == b].mean())
                      for b in np.unique(bands)}}


def _model_predict(run_dir):
    """`predict(z, targets)` of a finished run: windows `z[t-T:t]`."""
    config, model = load_run(run_dir)
    steps, target = config["hparams"]["time_steps"], config["target"]

    def predict(z, targets):
        view = np.lib.stride_tricks.sliding_window_view(
            np.asarray(z, np.float32), steps)
        windows = view[np.asarray(targets) - steps][..., None]
        return next_values(model.predict(windows, batch_size=256,
                                         verbose=0), target)

    return config, predict


def content_run(name, settings, seed, out, task, log=print, verbose=0):
    """A model on the content task: its metrics and `content_scores`."""
    plan, series = content_plan(name, settings, seed, out, task)
    metrics = training.execute(plan, series, verbose=verbose, log=log)
    config, predict = _model_predict(metrics["run_dir"])
    z = data.ZScore(**config["normalization"]).transform(series.values)
    return {**metrics, **content_scores(predict, z, task)}


def taylor_plan(name, lookback, settings, seed, out, task):
    whole, part = task.series()
    settings = {**settings, "time_steps": lookback}
    return training.plan_run(name, settings, part, "random", seed,
                             out), whole, part


def taylor_run(name, lookback, settings, seed, out, task, log=print,
               verbose=0):
    """A model on Taylor: its metrics, `nmse` on the held-out values and
    `val_nmse` (its own random split's `val_mse_next`)."""
    plan, whole, part = taylor_plan(name, lookback, settings, seed, out,
                                    task)
    metrics = training.execute(plan, part, verbose=verbose, log=log)
    config, predict = _model_predict(metrics["run_dir"])
    z = data.ZScore(**config["normalization"]).transform(whole.values)
    held = np.arange(len(part.values), len(z))
    return {**metrics, "val_nmse": metrics["val_mse_next"],
            "nmse": nmse(predict(z, held), z[held])}


def lag_ar(lag, task=None):
    """The least-squares AR on the window at `lag`: its `val_mse_next`
    (the models' score), on the models' chronological split."""
    values = recall_series(lag, task).values
    z = data.ZScore.fit(values).transform(values)
    steps = recall_windows(lag)
    train, val = _val_targets(len(z), steps)
    ar = WindowAR(steps).fit(z, train)
    return float(np.mean((ar.predict(z, val) - z[val]) ** 2))


def content_ar(task):
    """`content_scores` of the least-squares AR on the window."""
    values = task.series().values
    z = data.ZScore.fit(values).transform(values)
    train, _ = _val_targets(len(z), task.window)
    ar = WindowAR(task.window).fit(z, train)
    return content_scores(ar.predict, z, task)


def taylor_peers(lookback, task):
    """`{"seasonal naive": NMSE, "ar": NMSE, "ar_ridge": ridge}` on the
    held-out values. The AR is fitted on the models' training windows of
    `lookback` values, its ridge (`peers.RIDGES`) chosen on their
    validation windows."""
    whole, part = task.series()
    z = data.ZScore.fit(part.values).transform(whole.values)
    train, val = _val_targets(len(part.values), lookback, "random")
    held = np.arange(len(part.values), len(z))
    ar = WindowAR(lookback).fit(z, train).select(z, val)
    return {"seasonal naive": nmse(seasonal_naive(z, held, task.period),
                                   z[held]),
            "ar": ar.score(z, held), "ar_ridge": ar.ridge}


def content_ceiling(task, num_codes=None, n_head=1, seed=0, key=None):
    """`content_scores` of `peers.VQCacheCeiling` (`S = num_codes` rows
    per head), or of `peers.NearestKeyRead` (`num_codes=None`: keys not
    quantised); the scale fitted on the training part's scored positions.
    `key`: the values the read's key holds (default the task's).
    """
    key = key or task.key
    values = task.series().values
    z = data.ZScore.fit(values).transform(values)
    train, _ = _val_targets(len(z), task.window)
    positions, _ = task.scored()
    fit_on = positions[positions <= train[-1]]
    if num_codes is None:
        peer = NearestKeyRead(task.window, key)
    else:
        peer = VQCacheCeiling(task.window, key, num_codes, n_head, seed)
    return content_scores(peer.fit(z, fit_on).predict, z, task)


def content_ceilings(task, num_codes, n_head, seeds, key=None):
    """`content_ceiling` drawn with seeds `0 .. seeds - 1`: `(scores per
    seed, None)`, or `(None, reason)` where the task has fewer training
    keys than codes to draw."""
    try:
        return [content_ceiling(task, num_codes, n_head, seed, key)
                for seed in range(seeds)], None
    except UsageError as error:
        return None, str(error)
