"""The forecast benchmark suite behind `recipes/design.py`.

`run_suite` scores every model (several seeds) and the peers on each
protocol and writes `forecast.md`, `forecast.csv` and one plot per
protocol; `run_ablation` measures one model's training and forecasting
options one at a time.
"""

import json
import os

import numpy as np

from kzoo import backend as kzoo_backend
from kzoo import models
from kzoo.benchmarks.forecast import design
from kzoo.benchmarks.forecast import report
from kzoo.data import DataError

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


def _check(protocols, names, seeds):
    for protocol in protocols:
        if protocol not in design.PROTOCOLS:
            raise DataError(f"unknown protocol {protocol!r}; valid: "
                            f"{', '.join(design.PROTOCOLS)}")
    for name in names:
        models.spec(name)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise DataError(f"--seeds must be an integer >= 1, got {seeds!r}")


def _settings_for(name, settings):
    """The settings a model has (`split` goes to every model)."""
    defaults = models.spec(name).defaults
    return {k: v for k, v in settings.items() if k in defaults or
            k == "split"}


def run_suite(protocols, names, seeds, settings, out, with_peers=True,
              quick=False, log=print):
    """Every model and peer on every protocol; returns the markdown text."""
    _check(protocols, names, seeds)
    kzoo_backend.enable_compilation_cache(os.path.join(out, ".jax_cache"))
    if quick:
        settings = {**QUICK, **settings}
    sections, rows_by_protocol = [], {}
    for protocol in protocols:
        rows = []
        for name in names:
            for seed in range(seeds):
                log(f"== {protocol}: {name}, seed {seed}")
                rows.append(design.RUNNERS[protocol](
                    name, seed, os.path.join(out, "runs"),
                    _settings_for(name, settings), log=log))
        if with_peers:
            log(f"== {protocol}: peers")
            rows += _cached_peers(protocol, 1 if quick else seeds, out, quick)
        rows_by_protocol[protocol] = rows
        sections.append(_section(protocol, rows, out))
    _write_csv(os.path.join(out, "forecast.csv"), rows_by_protocol)
    text = "\n".join(sections)
    with open(os.path.join(out, "forecast.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return text


def run_ablation(name, protocols, seeds, out, quick=False, log=print):
    """`name` under each `ABLATION` variant; returns the markdown text."""
    _check(protocols, [name], seeds)
    kzoo_backend.enable_compilation_cache(os.path.join(out, ".jax_cache"))
    sections = []
    for protocol in protocols:
        if protocol == "reference":
            continue  # the reference protocol fixes the training
        rows = []
        for label, overrides in ABLATION:
            settings = _settings_for(name, {**(QUICK if quick else {}),
                                            **overrides})
            for seed in range(seeds):
                log(f"== {protocol}: {name} {label}, seed {seed}")
                row = design.RUNNERS[protocol](
                    name, seed, os.path.join(out, "runs"), settings, log=log)
                rows.append({**row, "model": f"{name}: {label}"})
        sections.append(_section(protocol, rows, out, "ablation_"))
    text = "\n".join(sections)
    with open(os.path.join(out, "ablation.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return text


def _section(protocol, rows, out, prefix=""):
    os.makedirs(out, exist_ok=True)
    plot = report.forecast_plot(
        os.path.join(out, f"{prefix}{protocol}.png"), protocol, rows,
        f"{protocol}: fed-back forecasts (first seed) against the truth")
    return (f"## {protocol}\n\n{report.protocol_table(protocol, rows)}"
            f"\n\nPlot: {os.path.basename(plot)}\n")


def _cached_peers(protocol, seeds, out, quick=False):
    """The peers' rows, computed once per protocol and seed count."""
    path = os.path.join(out, f"peers_{protocol}_{seeds}"
                        f"{'_quick' if quick else ''}.json")
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                return [{**r, "forecast": np.asarray(r["forecast"]),
                         "truth": np.asarray(r["truth"])}
                        for r in json.load(f)]
        except (OSError, ValueError, KeyError):
            pass  # damaged: compute again
    rows = design.peers(protocol, range(seeds), quick)
    os.makedirs(out, exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump([{**r, "forecast": np.asarray(r["forecast"]).tolist(),
                    "truth": np.asarray(r["truth"]).tolist()} for r in rows],
                  f)
    os.replace(temporary, path)
    return rows


def _write_csv(path, rows_by_protocol):
    import pandas as pd

    frames = []
    for protocol, rows in rows_by_protocol.items():
        flat = [{k: v for k, v in r.items() if k not in ("forecast", "truth")}
                for r in rows]
        frames.append(pd.DataFrame(flat).assign(protocol=protocol))
    if frames:
        pd.concat(frames, ignore_index=True).to_csv(path, index=False)
