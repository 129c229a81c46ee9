"""Evaluate a run directory: one-step and regressive forecasts, plots, metrics."""

import json
import os

import keras
import numpy as np

from kzoo import data
from kzoo.data import DataError
from kzoo.eval import forecast
from kzoo.eval import metrics as error_metrics
from kzoo.eval import plots

MAX_HORIZON_STARTS = 32


def load_run(run_dir):
    """`(config, model)` of a run directory; `DataError` if unusable."""
    model_path = os.path.join(run_dir, "model.keras")
    config_path = os.path.join(run_dir, "config.json")
    if not os.path.isdir(run_dir):
        raise DataError(f"no such run directory: {run_dir}")
    if not os.path.isfile(model_path):
        raise DataError(f"no model.keras in {run_dir}: not a finished run")
    if not os.path.isfile(config_path):
        raise DataError(f"no config.json in {run_dir}: not a finished run")
    try:
        with open(config_path) as f:
            config = json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(f"cannot read {config_path}: {error}") from None
    import kzoo.layers  # noqa: F401  (registers the custom layers)
    import kzoo.models  # noqa: F401

    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as error:  # a corrupt or foreign file
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"cannot load {model_path}: {first[:200]}") from None
    return config, model


def load_series(config, spec=None):
    """The series to evaluate: the run's own, or `spec` (own statistics)."""
    own = spec is None or spec == config["dataset"]
    spec = config["dataset"] if spec is None else spec
    trained_on_csv = config["dataset"].startswith("csv:")
    if (spec.startswith("csv:") and trained_on_csv and not own
            and not _has_column(spec)):
        series = data.load_csv(spec[4:], config["label"])
        series.spec = spec
    else:
        series = data.load(spec)
    if own:
        norm = data.ZScore(**config["normalization"])
    else:
        norm = data.ZScore.fit(series.values)
    return series, norm, own


def _has_column(spec):
    rest = spec[4:]
    return not os.path.exists(rest) and ":" in rest


def evaluate_run(run_dir, spec=None, predict_rate=None, verbose=0):
    """Forecast a series with a run's model and write plots and metrics.

    Args:
        run_dir: a finished run directory.
        spec: dataset spec to evaluate on (default: the run's own). Another
            series is z-scored with its own statistics, as the reference.
        predict_rate: if given, the regressive rollout starts at the last
            `predict_rate` fraction of the series instead of right after
            the first window.
        verbose: 1 shows a progress bar over rollout steps.

    Returns:
        The metrics dict (also written to `metrics_<ds>.json`).
    """
    config, model = load_run(run_dir)
    if predict_rate is not None and not 0 < predict_rate < 1:
        raise DataError(
            f"--predict-rate must be in (0, 1), got {predict_rate}"
        )
    series, norm, own = load_series(config, spec)
    ts = config["hparams"]["time_steps"]
    target = config["target"]
    n = len(series.values)
    if n < ts + 2:
        raise DataError(
            f"{series.spec} has {n} values: shorter than the run's "
            f"time_steps={ts} plus 2"
        )
    z = norm.transform(series.values)

    batch = norm.inverse(forecast.one_step(model, z, ts, target))
    start = ts if predict_rate is None else max(
        ts, int(round(n * (1 - predict_rate))))
    start = min(start, n - 1)
    steps = n - start
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
        "batch": error_metrics.errors(batch, series.values[ts:]),
        "regressive": {
            **error_metrics.errors(regressive, series.values[start:]),
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
    plots.forecast_plot(
        os.path.join(run_dir, f"predict_batch_{name}.png"), series, ts, batch,
        f"{config['name']}: one-step predictions on {name}", "one-step",
    )
    plots.forecast_plot(
        os.path.join(run_dir, f"predict_regressive_{name}.png"), series,
        start, regressive,
        f"{config['name']}: regressive predictions on {name}", "regressive",
    )
    with open(os.path.join(run_dir, f"metrics_{name}.json"), "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")
    result["batch_pred"] = batch
    result["regressive_pred"] = regressive
    return result
