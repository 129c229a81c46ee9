"""The study's recall measure: the fixed-lag NMSE at each of a family's lags.

The mixer and cache families are measured on the fixed-lag recall task of
`kzoo.benchmarks.recall` (`tasks.LagTask`) at their plan's lags
(`design.RECALL`): the NMSE at every lag (`recall_nmse_<K>`), and the
largest lag under the threshold (`recall_k`). The LSTM, the study's line,
is measured at every lag of its study's families, at
`design.REFERENCE_RECALL_EPOCHS` and its reference settings.
"""

import os

from kzoo.benchmarks.recall import measure as recall
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import report


def reference_families(config):
    """The families the LSTM of `config` is the line of (default all)."""
    return config.get("reference_for") or list(design.FAMILIES)


def plan(config):
    """`design.recall_plan` of the cell's family (`recall_lags` and
    `recall_epochs` of `config` replace its own), or `None`. The LSTM's:
    every lag of its study's families that recall, at
    `design.REFERENCE_RECALL_EPOCHS` and its reference settings."""
    lags, epochs = config.get("recall_lags"), config.get("recall_epochs")
    if not config.get("reference"):
        return design.recall_plan(config["family"], lags, epochs)
    plans = [design.recall_plan(family, lags, epochs)
             for family in reference_families(config)]
    plans = [p for p in plans if p is not None]
    if not plans:
        return None
    return {"lags": sorted({lag for p in plans for lag in p["lags"]}),
            "epochs": epochs or design.REFERENCE_RECALL_EPOCHS,
            "settings": {}}


def recall_key(lag):
    """The run field of the NMSE at `lag` (`recall_nmse_256`)."""
    return f"{report.RECALL_PREFIX}{lag}"


def measure(name, settings, seed, config, log):
    """`{recall_key(lag): NMSE}` at every lag of the cell's plan, and
    `recall_k`, the largest lag with NMSE under the threshold (0 if none).
    The plan's settings (a learning rate) apply to the cells' models, not
    to the LSTM (its reference settings)."""
    chosen = plan(config)
    model_settings = design.run_settings(settings, chosen["settings"])
    rows, result = [], {}
    for lag in chosen["lags"]:
        metrics = recall.recall_run(
            name, lag, chosen["epochs"],
            os.path.join(config["out"], "recall"), seed, model_settings, log)
        rows.append({"model": name, "lag": lag,
                     "nmse": metrics["val_mse_next"]})
        result[recall_key(lag)] = metrics["val_mse_next"]
    result["recall_k"] = recall.longest_recall(rows).get(name, 0)
    return result
