"""The forecast benchmark suite behind `recipes/forecast.py`.

`run_suite` scores every model (several seeds) and the peers on each
protocol and writes `forecast.md`, `forecast.csv` and one plot per
protocol; `run_ablation` measures one model's training and forecasting
options one at a time. Both check the whole command (every model, protocol
and setting) before anything trains.

The peers' rows are kept in `OUT/peers_<protocol>_<hash>.json` with the
key that produced them (`design.peer_key`) and reused only when that key
is the one asked for; one lock per cache file, so two commands at once
measure them once. A damaged cache is measured again.
"""

import os

import numpy as np

from kzoo import backend as kzoo_backend
from kzoo import models
from kzoo.benchmarks.forecast import design
from kzoo.benchmarks.forecast import report
from kzoo.errors import DataError
from kzoo.errors import UsageError
from kzoo.storage import FileLock
from kzoo.storage import digest
from kzoo.storage import from_jsonable
from kzoo.storage import jsonable
from kzoo.storage import read_json
from kzoo.storage import write_file
from kzoo.storage import write_json

QUICK = {"epochs": 2}
# One change at a time from the reference's training (random split, final
# weights, constant learning rate, the network forecasting the level).
ABLATION = (
    ("reference training", {"split": "random", "patience": 0,
                            "schedule": "constant"}),
    ("+ best epoch", {"split": "random", "schedule": "constant"}),
    ("+ cosine schedule", {"split": "random", "patience": 0}),
    ("+ chronological split", {"patience": 0, "schedule": "constant"}),
    ("benchmark training", {}),
    ("benchmark + change", {"change": True}),
    ("benchmark + revin", {"revin": True}),
    ("benchmark + ar path", {"ar_order": 16}),
)


def _check_names(flag, values, valid):
    """`UsageError` for an empty, unknown or repeated name of `flag`."""
    if not values:
        raise UsageError(f"{flag} names nothing; valid: {', '.join(valid)}")
    unknown = [v for v in values if v not in valid]
    if unknown:
        raise UsageError(f"unknown {flag} {', '.join(map(str, unknown))}; "
                         f"valid: {', '.join(valid)}")
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise UsageError(f"{flag} {', '.join(twice)} given more than once")


def _check(protocols, names, seeds, settings):
    _check_names("--protocols", list(protocols), design.PROTOCOLS)
    _check_names("--model", list(names), models.available())
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise UsageError(f"--seeds must be an integer >= 1, got {seeds!r}")
    models.check_settings(settings, names, extra={"split"})


def _check_plans(jobs, out):
    """Plan every `(protocol, name, settings)` of `jobs` before any fit."""
    for protocol, name, settings in jobs:
        try:
            design.check(protocol, name, settings, 0, out)
        except (UsageError, DataError) as error:
            raise type(error)(f"{protocol}, {name}: {error}") from None


def _settings_for(name, settings):
    """The settings a model has (`split` goes to every model)."""
    defaults = models.spec(name).defaults
    return {k: v for k, v in settings.items() if k in defaults or
            k == "split"}


def run_suite(protocols, names, seeds, settings, out, with_peers=True,
              quick=False, log=print):
    """Every model and peer on every protocol; returns the markdown text."""
    _check(protocols, names, seeds, settings)
    if quick:
        settings = {**QUICK, **settings}
    runs = os.path.join(out, "runs")
    _check_plans([(p, n, _settings_for(n, settings)) for p in protocols
                  for n in names], runs)
    kzoo_backend.enable_compilation_cache(os.path.join(out, ".jax_cache"))
    sections, rows_by_protocol = [], {}
    for protocol in protocols:
        rows = []
        for name in names:
            for seed in range(seeds):
                log(f"== {protocol}: {name}, seed {seed}")
                rows.append(design.RUNNERS[protocol](
                    name, seed, runs, _settings_for(name, settings),
                    log=log))
        if with_peers:
            log(f"== {protocol}: peers")
            rows += _cached_peers(protocol, 1 if quick else seeds, out, quick,
                                  log)
        rows_by_protocol[protocol] = rows
        sections.append(_section(protocol, rows, out))
    text = "\n".join(sections)
    write_file(os.path.join(out, "forecast.csv"), _csv(rows_by_protocol))
    write_file(os.path.join(out, "forecast.md"), text)
    return text


def run_ablation(name, protocols, seeds, out, quick=False, settings=None,
                 log=print):
    """`name` under each `ABLATION` variant; returns the markdown text.

    `settings` apply to every variant; the keys the variants change are
    refused, as is a model without the options they set. The reference
    protocol fixes the training: it is left out.
    """
    settings = dict(settings or {})
    _check(protocols, [name], seeds, settings)
    varied = set().union(*(overrides for _, overrides in ABLATION))
    defaults = models.spec(name).defaults
    lacking = sorted(varied - set(defaults) - {"split"})
    if lacking:
        raise UsageError(
            f"--ablation {name}: {name} has no {', '.join(lacking)}, which "
            "the ablation varies; choose a model that has them")
    overlap = sorted(varied & set(settings))
    if overlap:
        raise UsageError(f"--set {', '.join(overlap)}: the ablation varies "
                         "it itself; leave it out")
    if "reference" in protocols:
        protocols = [p for p in protocols if p != "reference"]
        if not protocols:
            raise UsageError("the ablation runs on laser, mackey_glass "
                             "and logistic only (the reference protocol "
                             "fixes the training)")
        log("reference left out: its protocol fixes the training")
    base = {**(QUICK if quick else {}), **settings}
    variants = [(label, _settings_for(name, {**base, **overrides}))
                for label, overrides in ABLATION]
    runs = os.path.join(out, "runs")
    _check_plans([(p, name, v) for p in protocols for _, v in variants],
                 runs)
    kzoo_backend.enable_compilation_cache(os.path.join(out, ".jax_cache"))
    sections = []
    for protocol in protocols:
        rows = []
        for label, variant in variants:
            for seed in range(seeds):
                log(f"== {protocol}: {name} {label}, seed {seed}")
                row = design.RUNNERS[protocol](name, seed, runs, variant,
                                               log=log)
                rows.append({**row, "model": f"{name}: {label}"})
        sections.append(_section(protocol, rows, out, "ablation_"))
    text = "\n".join(sections)
    write_file(os.path.join(out, "ablation.md"), text)
    return text


def _section(protocol, rows, out, prefix=""):
    os.makedirs(out, exist_ok=True)
    plot = report.protocol_plot(
        os.path.join(out, f"{prefix}{protocol}.png"), protocol, rows,
        f"{protocol}: fed-back forecasts (first seed) against the truth")
    text = (f"## {protocol}\n\n{report.protocol_table(protocol, rows)}"
            f"\n\nPlot: {os.path.basename(plot)}")
    if any(r.get("nrmse_by_step") is not None for r in rows):
        curve = report.step_error_plot(
            os.path.join(out, f"{prefix}{protocol}_steps.png"), rows,
            f"{protocol}: fed-back NRMSE step by step (mean over seeds)")
        text += f"; step by step: {os.path.basename(curve)}"
    return text + "\n"


def peers_path(protocol, seeds, out, quick=False):
    """`(path, key)` of the peers' cache for these settings."""
    key = design.peer_key(protocol, seeds, quick)
    return (os.path.join(out, f"peers_{protocol}_{digest(key)}.json"), key)


def _cached_peers(protocol, seeds, out, quick=False, log=print):
    """The peers' rows, measured once per `design.peer_key`."""
    path, key = peers_path(protocol, seeds, out, quick)
    with FileLock(path + ".lock", wait=True, what=path):
        rows = _read_peers(path, key, log)
        if rows is not None:
            log(f"peers: reused from {path}")
            return rows
        rows = design.peers(protocol, range(seeds), quick)
        write_json(path, {"key": key, "rows": jsonable(rows, nonfinite="text")})
        return rows


def _read_peers(path, key, log):
    """The cached rows in `path` for `key`; `None` when missing or damaged."""
    if not os.path.exists(path):
        return None
    try:
        saved = read_json(path)
    except (OSError, ValueError):
        saved = None
    rows = saved.get("rows") if isinstance(saved, dict) and saved.get(
        "key") == key else None
    if (isinstance(rows, list) and rows and all(
            isinstance(r, dict) and {"model", "forecast", "truth"} <= set(r)
            for r in rows)):
        return [{**r, "forecast": np.asarray(r["forecast"], float),
                 "truth": np.asarray(r["truth"], float)}
                for r in from_jsonable(rows)]
    log(f"peers: {path} is damaged; measuring them again")
    return None


def _csv(rows_by_protocol):
    import pandas as pd

    frames = []
    for protocol, rows in rows_by_protocol.items():
        flat = [{k: v for k, v in r.items()
                 if k not in ("forecast", "truth", "nrmse_by_step")}
                for r in rows]
        frames.append(pd.DataFrame(flat).assign(protocol=protocol))
    return pd.concat(frames, ignore_index=True).to_csv(index=False)
