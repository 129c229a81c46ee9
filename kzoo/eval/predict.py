"""Evaluate a run: one-step and regressive forecasts, plots, metrics."""

import os

import keras
import numpy as np

from kzoo import data
from kzoo.data import DataError
from kzoo.eval import forecast
from kzoo.eval import metrics as error_metrics
from kzoo.eval import plots as plotting
from kzoo.eval.run_dir import METRICS_FILE
from kzoo.eval.run_dir import load_run
from kzoo.eval.run_dir import read_metrics
from kzoo.layers.checks import check_int
from kzoo.storage import jsonable
from kzoo.storage import write_json

MAX_HORIZON_STARTS = 32


def load_series(config, spec=None, encoding=None):
    """The series to evaluate: the run's own, or `spec` (own statistics).

    `encoding`: of a `csv:` file (default: the one the run was trained
    with, for its own series; UTF-8 for another).
    """
    own = spec is None or spec == config["dataset"]
    spec = config["dataset"] if spec is None else spec
    if own and encoding is None:
        encoding = config.get("dataset_encoding")
    if own and config.get("base_dataset"):
        # Trained on a range of a series: forecast the whole series.
        spec = config["base_dataset"]
    trained_on_csv = config["dataset"].startswith("csv:")
    if (spec.startswith("csv:") and trained_on_csv and not own
            and not _has_column(spec)):
        series = data.load_csv(spec[4:], config["label"], encoding)
        series.spec = spec
    else:
        series = data.load(spec, encoding)
    ts = config["hparams"]["time_steps"]
    if len(series.values) < ts + 2:
        raise DataError(
            f"{series.spec} has {len(series.values)} values: shorter than the "
            f"run's time_steps={ts} plus 2"
        )
    if own:
        norm = data.ZScore(**config["normalization"])
    else:
        norm = data.ZScore.fit(series.values)
    return series, norm, own


def _has_column(spec):
    rest = spec[4:]
    return not os.path.exists(rest) and ":" in rest


def _refuse_unsolved(run_dir):
    """`DataError` for a closed-form run whose forecasts are not finite.

    (`load_run` refuses every diverged run; this one was never trained, so
    its way out is another hyperparameter, not a smaller learning rate.)
    """
    path = os.path.join(run_dir, METRICS_FILE)
    if not os.path.isfile(path):
        return
    metrics = read_metrics(run_dir)
    if metrics["status"] == "diverged" and metrics.get("epochs") == 0:
        raise DataError(
            f"{run_dir} diverged: its closed-form fit gives NaN or infinite "
            "forecasts; retrain it with other hyperparameters (for vqridge a "
            "larger --temperature or --ridge)"
        )


def evaluate_run(run_dir, spec=None, predict_rate=None, verbose=0,
                 encoding=None, log=None, horizon=None, plots=True):
    """Forecast a series with a run's model and write plots and metrics.

    Args:
        run_dir: a finished run directory.
        spec: dataset spec to evaluate on (default: the run's own). Another
            series is z-scored with its own statistics, as the reference.
        predict_rate: if given, the regressive rollout starts at the last
            `predict_rate` fraction of the series instead of right after
            the first window.
        verbose: 1 shows a progress bar over rollout steps.
        encoding: text encoding of a `csv:` spec (see `load_series`).
        log: if given, called first with one line describing the series.
        horizon: regressive steps (default: to the end of the series).
        plots: write the two forecast plots (the slowest part of a short
            evaluation).

    A run trained on a range of points (`laser[0:1000]`) is scored on the
    points after it only, in one step and regressively from its end: the
    points it was fitted on are not counted.

    Returns:
        The metrics dict (also written to `metrics_<ds>.json`).
    """
    _refuse_unsolved(run_dir)
    config, model = load_run(run_dir)
    if predict_rate is not None and not 0 < predict_rate < 1:
        raise DataError(
            f"--predict-rate must be in (0, 1), got {predict_rate}"
        )
    series, norm, own = load_series(config, spec, encoding)
    if log is not None:
        log(series.describe())
    ts = config["hparams"]["time_steps"]
    target = config["target"]
    n = len(series.values)
    z = norm.transform(series.values)
    trained = config.get("data_range") if own else None
    first = ts if trained is None else max(ts, trained[1])
    if first >= n:
        raise DataError(f"{series.spec} has no point after the {first} the "
                        "run was trained on")
    if log is not None and trained is not None:
        log(f"scoring points {first} to {n - 1}: the run was fitted on "
            f"points {trained[0]} to {trained[1] - 1}")

    batch = norm.inverse(forecast.one_step(model, z, ts, target))[first - ts:]
    start = first if predict_rate is None else max(
        first, int(round(n * (1 - predict_rate))))
    start = min(start, n - 1)
    steps = n - start
    if horizon is not None:
        check_int("horizon", horizon)
        steps = min(steps, horizon)
    count = min(MAX_HORIZON_STARTS, steps)
    starts = np.unique(np.linspace(start, n - 1, count).astype(int))
    rolled = norm.inverse(
        forecast.rollout(model, z, starts, steps, ts, target, verbose=verbose)
    )
    regressive = rolled[0]
    name = series.name
    result = {
        "run": config["name"],
        "dataset": series.spec,
        "dataset_name": name,
        "own_statistics": not own,
        "units": series.label,
        "time_steps": ts,
        "backend": keras.backend.backend(),
        "batch": {**error_metrics.errors(batch, series.values[first:]),
                  "start": int(first)},
        "regressive": {
            **error_metrics.errors(regressive,
                                   series.values[start:start + steps]),
            "start": int(start),
            "steps": int(steps),
            "horizon_starts": int(len(starts)),
        },
    }
    by_h = error_metrics.horizon_errors(rolled, starts, series.values)
    import pandas as pd

    pd.DataFrame(by_h).to_csv(
        os.path.join(run_dir, f"regressive_horizon_{name}.csv"), index=False
    )
    if plots:
        plotting.forecast_plot(
            os.path.join(run_dir, f"predict_batch_{name}.png"), series,
            first, batch,
            f"{config['name']}: one-step predictions on {name}", "one-step",
        )
        plotting.forecast_plot(
            os.path.join(run_dir, f"predict_regressive_{name}.png"), series,
            start, regressive,
            f"{config['name']}: regressive predictions on {name}",
            "regressive",
        )
    write_json(os.path.join(run_dir, f"metrics_{name}.json"), jsonable(result))
    result["batch_pred"] = batch
    result["regressive_pred"] = regressive
    return result
