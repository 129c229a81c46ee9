"""Forecast quality on the standard series, beside the field's peers.

Four protocols, each scored for kzoo's models (every seed a normal run
directory, so a repeated command reuses finished runs) and for the peers
of `kzoo.peers`:

- `laser`, `mackey_glass` and `logistic`: the Santa Fe competition,
  Mackey-Glass (tau = 17) and the logistic map (r = 4: one-step NMSE and
  the fed-back horizon, a per-token model's capacity), their parts, start
  points and scores as defined once in `kzoo.eval.protocols` (the peers
  use the same).
- `reference`: the reference series `y_w` under the reference protocol
  (random split, the model's registry settings): `val_mse_next` (z-scored)
  and the regressive MSE from the first window to the end (ug/m³).

On `laser`, `mackey_glass` and `logistic` every neural model trains the
benchmarks' way (a chronological split with a gap, and kzoo's own training,
`kzoo.models.registry.KZOO_TRAINING`: the best validation epoch's weights,
a cosine schedule), unless overridden; `split` can be set there (not on
`reference`, whose protocol fixes the random split).
"""

import hashlib
import importlib.metadata
import os

import numpy as np

import kzoo
from kzoo import data
from kzoo import models
from kzoo import training
from kzoo.errors import UsageError
from kzoo.eval import forecast
from kzoo.eval import protocols
from kzoo.eval.predict import evaluate_run
from kzoo.eval.run_dir import load_run
from kzoo.models.registry import KZOO_TRAINING

PROTOCOLS = ("laser", "mackey_glass", "logistic", "reference")
# The benchmarks train every neural model as kzoo's own models train by
# default, `KZOO_TRAINING` (the reference models' defaults keep the
# reference's training).
BENCHMARK_SPLIT = "chrono"


def setup(protocol, name, overrides=None):
    """`(series spec, hyperparameters, split)` of `name`'s fit on `protocol`.

    Raises:
        UsageError: `split` other than `random` on `reference`.
    """
    if protocol == "reference":
        overrides = dict(overrides or {})
        split = overrides.pop("split", "random")
        if split != "random":
            raise UsageError(
                f"split={split}: the reference protocol fixes the random "
                "split (leave reference out with --protocols)")
        return "y_w", overrides, split
    overrides = _benchmark_overrides(name, overrides or {})
    split = overrides.pop("split", BENCHMARK_SPLIT)
    spec = {"laser": protocols.LASER_SPEC,
            "mackey_glass": protocols.MACKEY_GLASS.spec,
            "logistic": protocols.LOGISTIC.spec}[protocol]
    return spec, overrides, split


def check(protocol, name, overrides=None, seed=0, out="runs/forecast"):
    """Validate one fit without training it (nothing is written).

    Raises:
        UsageError, DataError: what `kzoo.training.plan_run` refuses.
    """
    spec, overrides, split = setup(protocol, name, overrides)
    training.plan_run(name, overrides, data.load(spec), split, seed, out)


def _fit(protocol, name, overrides, seed, out, log):
    """Plan and run (or reuse) one fit; `(plan, metrics, config, model)`."""
    spec, overrides, split = setup(protocol, name, overrides)
    series = data.load(spec)
    plan = training.plan_run(name, overrides, series, split, seed, out)
    metrics = training.execute(plan, series, verbose=0, log=log)
    if metrics.get("reused"):
        log(f"already finished in {metrics['run_dir']}")
    config, model = load_run(metrics["run_dir"])
    return plan, metrics, config, model


def _benchmark_overrides(name, overrides):
    """`KZOO_TRAINING` (where the model trains) under `overrides`."""
    defaults = models.spec(name).defaults
    trains = name != "persistence"
    base = {k: v for k, v in KZOO_TRAINING.items() if trains and
            k in defaults}
    return {**base, **overrides}


def laser(name, seed=0, out="runs/forecast", overrides=None, log=print):
    """The Santa Fe protocol for model `name`: one row (dict)."""
    plan, metrics, config, model = _fit("laser", name, overrides, seed, out,
                                        log)
    values = data.load("laser").values
    z = data.ZScore(**config["normalization"]).transform(values)
    ts, end = plan.hparams["time_steps"], protocols.LASER_TRAIN
    steps = protocols.LASER_HORIZON
    rolled = forecast.rollout(model, z, [end], steps, ts, plan.target)[0]
    one = forecast.one_step(model, z[:end + steps], ts,
                            plan.target)[end - ts:]
    return {**_row(name, seed, metrics),
            **protocols.laser_scores(z, rolled, one), "forecast": rolled}


def _fed_back(protocol, fed_back, name, seed, out, overrides, log):
    """`fed_back` (a `kzoo.eval.protocols.FedBack`) for model `name`: fit
    on its training part, forecast the test part one step at a time and
    fed back from its starts; one row (dict)."""
    plan, metrics, config, model = _fit(protocol, name, overrides, seed, out,
                                        log)
    values = data.load(fed_back.series).values
    z = data.ZScore(**config["normalization"]).transform(values)
    ts = plan.hparams["time_steps"]
    one = forecast.one_step(model, z, ts, plan.target)[fed_back.train - ts:]
    rolled = forecast.rollout(model, z, fed_back.starts(), fed_back.horizon,
                              ts, plan.target)
    return {**_row(name, seed, metrics), **fed_back.scores(z, one, rolled),
            "forecast": rolled[0]}


def mackey_glass(name, seed=0, out="runs/forecast", overrides=None,
                 log=print):
    """The Mackey-Glass protocol for model `name`: one row (dict)."""
    return _fed_back("mackey_glass", protocols.MACKEY_GLASS, name, seed, out,
                     overrides, log)


def logistic(name, seed=0, out="runs/forecast", overrides=None, log=print):
    """The logistic-map protocol for model `name`: one row (dict)."""
    return _fed_back("logistic", protocols.LOGISTIC, name, seed, out,
                     overrides, log)


def reference(name, seed=0, out="runs/forecast", overrides=None, log=print):
    """The reference protocol on `y_w` for model `name`: one row (dict)."""
    plan, metrics, _, _ = _fit("reference", name, overrides, seed, out, log)
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


RUNNERS = {"laser": laser, "mackey_glass": mackey_glass,
           "logistic": logistic, "reference": reference}


# The peers, each chosen on the last part of the training points (the
# ESN's settings by fed-back error over this many steps).
PEER_HORIZON = {"laser": 50, "mackey_glass": protocols.MG_HORIZON,
                "logistic": protocols.LOGISTIC_HORIZON}


# `quick`: one small ESN and two AR orders (checks the output).
QUICK_ESN_GRID = {"units": (100,)}
QUICK_AR_ORDERS = (2, 8)


def peer_key(protocol, seeds, quick=False):
    """Everything that produces `peers(protocol, range(seeds), quick)`.

    The protocol, seed count, `quick`, the ESN grid and AR orders tried,
    the ESN's selection horizon, and a code version: kzoo's version, a
    hash of the source of `kzoo.peers` and of this module, and the
    versions of reservoirpy and NumPy. A cached result is reused only
    when its key equals this one (JSON values: lists, not tuples).
    """
    from kzoo import peers as kp

    source = hashlib.sha1()
    folder = os.path.dirname(kp.__file__)
    for path in sorted(os.listdir(folder)) + [__file__]:
        path = os.path.join(folder, path)
        if path.endswith(".py"):
            with open(path, "rb") as f:
                source.update(f.read())
    grid = {} if protocol == "reference" else (
        QUICK_ESN_GRID if quick else kp.ESN_GRID)
    return {
        "protocol": protocol, "seeds": int(seeds), "quick": bool(quick),
        "esn_grid": {k: list(v) for k, v in sorted(grid.items())},
        "ar_orders": list(QUICK_AR_ORDERS if quick else kp.AR_ORDERS),
        "horizon": PEER_HORIZON.get(protocol),
        "code": {"kzoo": kzoo.__version__,
                 "source_sha1": source.hexdigest()[:16],
                 "reservoirpy": _version("reservoirpy"),
                 "numpy": np.__version__},
    }


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def peers(protocol, seeds=(0,), quick=False):
    """Rows of persistence, the linear AR and the ESN (one per seed).

    On `reference` the ESN is left out: the random split holds out single
    windows all along the series, where a reservoir runs through it once.
    Persistence and the AR are scored there on the LSTM's windows
    (`kzoo.peers.protocols.reference_protocol`).
    """
    from kzoo import peers as kp
    from kzoo.peers import protocols as peer_protocols

    orders = QUICK_AR_ORDERS if quick else None  # None: kp.AR_ORDERS
    if protocol == "reference":
        return [_peer_row(name, 0, peer_protocols.reference_protocol(
            name, orders=orders)) for name in ("persistence", "ar")]
    run = {"laser": peer_protocols.laser_protocol,
           "mackey_glass": peer_protocols.mackey_glass_protocol,
           "logistic": peer_protocols.logistic_protocol}[protocol]
    horizon = PEER_HORIZON[protocol]
    grid = QUICK_ESN_GRID if quick else kp.ESN_GRID
    choices = [
        ("persistence", [0], lambda t, v, s: kp.Persistence().fit(
            np.concatenate([t, v]))),
        ("ar", [0], lambda t, v, s: kp.select_ar(t, v, orders=orders)),
        ("esn", list(seeds), lambda t, v, s: kp.select_esn(
            t, v, criterion="rollout", horizon=horizon, seed=s, grid=grid)),
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
