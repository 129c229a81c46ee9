"""How much context does a model use? Three memory benchmarks.

1. Synthetic recall: `x[t] = a x[t-K] + s e[t]` (unit variance, noise
   variance `1 - a^2`), so the next value depends on the value `K` steps
   back. A model "remembers K" when its one-step validation error stays
   under 10 % of the signal variance (chronological split).
2. Santa Fe laser, the 1991 competition protocol: train on the first 1000
   points, forecast points 1001-1100 regressively, score NMSE.
3. The reference series (y+w): `val_mse_next` and regressive MSE.
"""

import numpy as np

from kzoo import data
from kzoo import models
from kzoo import training
from kzoo.eval import forecast
from kzoo.eval.metrics import errors
from kzoo.eval.predict import evaluate_run
from kzoo.eval.run_dir import load_run

RECALL_THRESHOLD = 0.1


def recall_series(lag, length=3000, a=0.97, seed=0):
    """Unit-variance series whose value depends on the value `lag` back."""
    rng = np.random.default_rng(seed)
    noise = np.sqrt(1 - a * a)
    x = rng.normal(size=length + 10 * lag)
    for t in range(lag, len(x)):
        x[t] = a * x[t - lag] + noise * rng.normal()
    x = x[10 * lag:]
    return data.Series(x, f"recall{lag}", "x", spec=f"recall:{lag}")


def _fit(name, series, overrides, out, verbose=0):
    plan = training.plan_run(name, overrides, series, out=out)
    return plan, training.execute(plan, series, verbose=verbose)


def recall(names, lags, epochs, out, verbose=0):
    """Rows `(model, lag, val NMSE)`; windows are `lag + 16` long."""
    rows = []
    for name in names:
        for lag in lags:
            series = recall_series(lag)
            ts = max(32, lag + 16)
            _, metrics = _fit(name, series,
                              {"time_steps": ts, "epochs": epochs}, out,
                              verbose)
            rows.append({"model": name, "lag": lag, "time_steps": ts,
                         "nmse": metrics["val_mse_next"],
                         "params": metrics["params"]})
    return rows


def longest_recall(rows):
    """Largest lag per model with NMSE under the threshold (0 if none)."""
    best = {}
    for row in rows:
        best.setdefault(row["model"], 0)
        if row["nmse"] < RECALL_THRESHOLD:
            best[row["model"]] = max(best[row["model"]], row["lag"])
    return best


def laser(names, epochs, out, verbose=0, train_points=1000, horizon=100):
    """The Santa Fe protocol: NMSE of points 1001-1100, fed back."""
    full = data.load("laser")
    train = data.Series(full.values[:train_points], "laser1000",
                        full.label, spec="laser")
    norm = data.ZScore.fit(train.values)
    z = norm.transform(full.values)
    rows = []
    for name in names:
        plan, metrics = _fit(name, train, {"epochs": epochs}, out, verbose)
        _, model = load_run(metrics["run_dir"])
        ts = plan.hparams["time_steps"]
        pred = forecast.rollout(model, z, [train_points], horizon, ts,
                                plan.target)[0]
        actual = full.values[train_points : train_points + horizon]
        rows.append({"model": name, "params": metrics["params"],
                     "nmse": errors(norm.inverse(pred), actual)["nmse"]})
    return rows


def reference_series(names, spec, epochs, out, verbose=0):
    """val_mse_next and regressive MSE (original units) on `spec`."""
    series = data.load(spec)
    rows = []
    for name in names:
        _, metrics = _fit(name, series, {"epochs": epochs}, out, verbose)
        result = evaluate_run(metrics["run_dir"])
        rows.append({"model": name, "params": metrics["params"],
                     "val_mse_next": metrics["val_mse_next"],
                     "mse_regressive": result["regressive"]["mse"],
                     "mse_batch": result["batch"]["mse"]})
    return rows


def check_models(names):
    for name in names:
        models.spec(name)
