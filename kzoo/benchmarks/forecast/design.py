"""Forecast quality on the standard series, beside the field's peers.

Three protocols, each scored for kzoo's models (every seed a normal run
directory, so a repeated command reuses finished runs) and for the peers
of `kzoo.peers`:

- `laser`: the Santa Fe competition. Fit on points 1-1000 (`laser[0:1000]`,
  z-scored with their statistics), forecast points 1001-1100 by feeding
  forecasts back (`rollout_nmse`), and each of them from the true history
  (`one_step_nmse`). NMSE = MSE / variance of the true 100 points.
- `mackey_glass`: tau = 17, the 100-point transient dropped, fit on the
  next 2000 points, one-step NRMSE on the following 500 and fed-back
  NRMSE over 84 steps from 20 starts in them (pooled, and at step 84).
  NRMSE = RMSE / standard deviation of the 500 true values.
- `reference`: the reference series `y_w` under the reference protocol
  (random split, the model's registry settings): `val_mse_next` (z-scored)
  and the regressive MSE from the first window to the end (ug/m³).

On `laser` and `mackey_glass` every neural model trains the benchmarks'
way (a chronological split with a gap, and `BENCHMARK_TRAINING`: the best
validation epoch's weights, a cosine schedule), unless overridden.
"""

import numpy as np

from kzoo import data
from kzoo import models
from kzoo import training
from kzoo.eval import forecast
from kzoo.eval.predict import evaluate_run
from kzoo.eval.run_dir import load_run
from kzoo.models.registry import NEW_TRAINING

PROTOCOLS = ("laser", "mackey_glass", "reference")
# The benchmarks train every neural model as kzoo's own models train by
# default (the reference models' defaults keep the reference's training).
BENCHMARK_TRAINING = NEW_TRAINING
BENCHMARK_SPLIT = "chrono"
LASER_TRAIN, LASER_HORIZON = 1000, 100
MG_TRAIN, MG_TEST, MG_HORIZON, MG_STARTS = 2000, 500, 84, 20


def _fit(name, spec, overrides, seed, out, split, log):
    """Plan and run (or reuse) one fit; `(plan, metrics, config, model)`."""
    series = data.load(spec)
    plan = training.plan_run(name, overrides, series, split, seed, out)
    metrics = training.execute(plan, series, verbose=0, log=log)
    if metrics.get("reused"):
        log(f"already finished in {metrics['run_dir']}")
    config, model = load_run(metrics["run_dir"])
    return plan, metrics, config, model


def _benchmark_overrides(name, overrides):
    """`BENCHMARK_TRAINING` (where the model trains) under `overrides`."""
    defaults = models.spec(name).defaults
    trains = name != "persistence"
    base = {k: v for k, v in BENCHMARK_TRAINING.items() if trains and
            k in defaults}
    return {**base, **overrides}


def laser(name, seed=0, out="runs/forecast", overrides=None, log=print):
    """The Santa Fe protocol for model `name`: one row (dict)."""
    overrides = _benchmark_overrides(name, overrides or {})
    split = overrides.pop("split", BENCHMARK_SPLIT)
    plan, metrics, config, model = _fit(
        name, f"laser[0:{LASER_TRAIN}]", overrides, seed, out, split, log)
    values = data.load("laser").values
    z = data.ZScore(**config["normalization"]).transform(values)
    ts, end = plan.hparams["time_steps"], LASER_TRAIN
    rolled = forecast.rollout(model, z, [end], LASER_HORIZON, ts,
                              plan.target)[0]
    one = forecast.one_step(model, z[:end + LASER_HORIZON], ts,
                            plan.target)[end - ts:]
    truth = z[end:end + LASER_HORIZON]
    return {**_row(name, seed, metrics),
            "rollout_nmse": _nmse(rolled, truth),
            "one_step_nmse": _nmse(one, truth),
            "forecast": rolled, "truth": truth}


def mackey_glass(name, seed=0, out="runs/forecast", overrides=None,
                 log=print):
    """The Mackey-Glass protocol for model `name`: one row (dict)."""
    overrides = _benchmark_overrides(name, overrides or {})
    split = overrides.pop("split", BENCHMARK_SPLIT)
    length = MG_TRAIN + MG_TEST
    plan, metrics, config, model = _fit(
        name, f"mackey_glass:{length}[0:{MG_TRAIN}]", overrides, seed, out,
        split, log)
    values = data.load(f"mackey_glass:{length}").values
    z = data.ZScore(**config["normalization"]).transform(values)
    ts = plan.hparams["time_steps"]
    one = forecast.one_step(model, z, ts, plan.target)[MG_TRAIN - ts:]
    starts = mg_starts()
    rolled = forecast.rollout(model, z, starts, MG_HORIZON, ts, plan.target)
    truth = z[starts[:, None] + np.arange(MG_HORIZON)]
    scale = float(np.std(z[MG_TRAIN:]))
    return {**_row(name, seed, metrics),
            "one_step_nrmse": _rmse(one, z[MG_TRAIN:]) / scale,
            "rollout_nrmse": _rmse(rolled, truth) / scale,
            "nrmse_at_horizon": _rmse(rolled[:, -1], truth[:, -1]) / scale,
            "forecast": rolled[0], "truth": truth[0]}


def mg_starts():
    """The 20 start points of the 84-step forecasts (as the peers use)."""
    starts = np.linspace(MG_TRAIN, MG_TRAIN + MG_TEST - MG_HORIZON,
                         MG_STARTS)
    return starts.round().astype(int)


def reference(name, seed=0, out="runs/forecast", overrides=None, log=print):
    """The reference protocol on `y_w` for model `name`: one row (dict)."""
    plan, metrics, _, _ = _fit(name, "y_w", dict(overrides or {}), seed, out,
                               "random", log)
    result = evaluate_run(metrics["run_dir"])
    return {**_row(name, seed, metrics),
            "val_mse_next": metrics["val_mse_next"],
            "mse_regressive": result["regressive"]["mse"],
            "forecast": result["regressive_pred"],
            "truth": data.load("y_w").values[plan.hparams["time_steps"]:]}


def _row(name, seed, metrics):
    return {"model": name, "seed": seed, "params": metrics["params"],
            "epochs": metrics["epochs"],
            "best_epoch": metrics.get("best_epoch"),
            "wall_s": metrics["wall_s"], "run_dir": metrics["run_dir"]}


def _rmse(pred, truth):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.mean((np.asarray(pred) - truth) ** 2)))


def _nmse(pred, truth):
    return _rmse(pred, truth) ** 2 / float(np.var(truth))


RUNNERS = {"laser": laser, "mackey_glass": mackey_glass,
           "reference": reference}


# The peers, each chosen on the last part of the training points (the
# ESN's settings by fed-back error over this many steps).
PEER_HORIZON = {"laser": 50, "mackey_glass": MG_HORIZON}


# `quick`: one small ESN and two AR orders (checks the output).
QUICK_ESN_GRID = {"units": (100,)}
QUICK_AR_ORDERS = (2, 8)


def peers(protocol, seeds=(0,), quick=False):
    """Rows of persistence, the linear AR and the ESN (one per seed).

    On `reference` the ESN is left out: the random split holds out single
    windows all along the series, where a reservoir runs through it once.
    Persistence and the AR are scored there on the LSTM's windows
    (`kzoo.peers.protocols.reference_protocol`).
    """
    from kzoo import peers as kp
    from kzoo.peers import protocols

    if protocol == "reference":
        return [_peer_row(name, 0, protocols.reference_protocol(
            name, orders=QUICK_AR_ORDERS if quick else None))
            for name in ("persistence", "ar")]
    run = {"laser": protocols.laser_protocol,
           "mackey_glass": protocols.mackey_glass_protocol}[protocol]
    horizon = PEER_HORIZON[protocol]
    choices = [
        ("persistence", [0], lambda t, v, s: kp.Persistence().fit(
            np.concatenate([t, v]))),
        ("ar", [0], lambda t, v, s: kp.select_ar(
            t, v, **({"orders": QUICK_AR_ORDERS} if quick else {}))),
        ("esn", list(seeds), lambda t, v, s: kp.select_esn(
            t, v, criterion="rollout", horizon=horizon, seed=s,
            grid=QUICK_ESN_GRID if quick else None)),
    ]
    rows = []
    for name, peer_seeds, choose in choices:
        for seed in peer_seeds:
            result = run(lambda t, v: choose(t, v, seed))
            rows.append(_peer_row(name, seed, result))
    return rows


def _peer_row(name, seed, result):
    return {"model": f"{name} (peer)", "seed": seed,
            "settings": result.pop("peer"), "wall_s": result.pop("seconds"),
            **result}
