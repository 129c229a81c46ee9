"""How much context does a model use? The synthetic recall benchmark.

`x[t] = a x[t-K] + s e[t]` (unit variance, noise variance `1 - a^2`): the
next value depends on the value `K` steps back and on nothing nearer. A
model "remembers K" when its one-step validation error (`val_mse_next`,
chronological split, windows `K + 16` long) stays under 10 % of the signal
variance. The forecast benchmarks on the standard series (Santa Fe laser,
Mackey-Glass, the reference series) are in `kzoo.benchmarks.forecast`.
"""

import numpy as np

from kzoo import data
from kzoo import models
from kzoo import training

RECALL_THRESHOLD = 0.1


def recall_series(lag, length=3000, a=0.97, seed=0):
    """Unit-variance series whose value depends on the value `lag` back."""
    rng = np.random.default_rng(seed)
    noise = np.sqrt(1 - a * a)
    x = rng.normal(size=length + 10 * lag)
    for t in range(lag, len(x)):
        x[t] = a * x[t - lag] + noise * rng.normal()
    x = x[10 * lag:]
    return data.Series(x, f"recall{lag}", "x", spec=f"recall:{lag}",
                       source=f"synthetic recall, lag {lag}")


def recall_windows(lag):
    """The window length of the recall task at `lag`."""
    return max(32, lag + 16)


def recall_run(name, lag, epochs, out, seed=0, overrides=None, log=print):
    """One model at one lag: the run's metrics (`val_mse_next` is the NMSE).

    `overrides` go to the model (its window length is the task's).
    """
    series = recall_series(lag)
    settings = {**(overrides or {}), "time_steps": recall_windows(lag),
                "epochs": epochs}
    plan = training.plan_run(name, settings, series, "chrono", seed, out)
    return training.execute(plan, series, verbose=0, log=log)


def recall(names, lags, epochs, out, seed=0, log=print):
    """Rows `(model, lag, val NMSE)` for every model and lag."""
    rows = []
    for name in names:
        for lag in lags:
            metrics = recall_run(name, lag, epochs, out, seed, log=log)
            rows.append({"model": name, "lag": lag,
                         "time_steps": recall_windows(lag),
                         "nmse": metrics["val_mse_next"],
                         "params": metrics["params"]})
    return rows


def longest_recall(rows):
    """Largest lag per model with NMSE under the threshold (0 if none)."""
    best = {}
    for row in rows:
        best.setdefault(row["model"], 0)
        nmse = row["nmse"]
        if nmse is not None and nmse < RECALL_THRESHOLD:
            best[row["model"]] = max(best[row["model"]], row["lag"])
    return best


def check_models(names):
    for name in names:
        models.spec(name)
