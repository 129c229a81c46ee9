"""The run directory: its files, as training writes them and eval reads them.

A finished run is `OUT/<name>/<timestamp>/` holding `model.keras`,
`config.json`, `metrics.json`, `history.csv` and TensorBoard `logs/`. While
it trains it lives in a staging directory `OUT/<name>/.partial-<key>/`.
Everything read here is checked: a damaged or foreign file gives a one-line
`DataError` that names the file and what is wrong with it.
"""

import json
import math
import os
import zipfile

import keras

from kzoo.data import DataError

PARTIAL_PREFIX = ".partial-"
MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"

# What `config.json` must hold, and of which type.
_CONFIG_KEYS = {"name": str, "model": str, "hparams": dict, "dataset": str,
                "dataset_name": str, "target": str, "normalization": dict,
                "label": str}
_TARGETS = ("aligned", "last")


def read_json(path):
    if not os.path.isfile(path):
        raise DataError(f"no {os.path.basename(path)} in "
                        f"{os.path.dirname(path)}: not a finished run")
    try:
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"cannot read {path}: {error}") from None
    if not isinstance(values, dict):
        raise DataError(f"{path} is damaged: it holds a "
                        f"{type(values).__name__}, not an object")
    return values


def read_config(run_dir):
    """The run's `config.json`, checked; `DataError` if unusable."""
    path = os.path.join(run_dir, CONFIG_FILE)
    config = read_json(path)
    if "kzoo_version" not in config:
        raise DataError(
            f"{run_dir} was saved by kzoo 0.1, whose layer names changed in "
            "0.2 (README: Upgrading from kzoo 0.1); retrain it"
        )
    for key, kind in _CONFIG_KEYS.items():
        if not isinstance(config.get(key), kind):
            raise DataError(f"{path} is damaged: no {key!r} "
                            f"({'an object' if kind is dict else 'a string'})")
    steps = config["hparams"].get("time_steps")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise DataError(f"{path} is damaged: hparams.time_steps is {steps!r}")
    if config["target"] not in _TARGETS:
        raise DataError(f"{path} is damaged: target is {config['target']!r}")
    norm = config["normalization"]
    if not all(isinstance(norm.get(k), (int, float))
               and math.isfinite(norm[k]) for k in ("mean", "std")) or not (
            norm["std"] > 0):
        raise DataError(f"{path} is damaged: normalization is {norm!r}")
    return config


def read_metrics(run_dir):
    """The run's `metrics.json` (`status` defaults to `"complete"`)."""
    metrics = read_json(os.path.join(run_dir, METRICS_FILE))
    metrics.setdefault("status", "complete")
    return metrics


def _check_archive(path):
    """`DataError` unless `path` is an intact zip archive (`.keras`)."""
    if not os.path.isfile(path):
        raise DataError(f"no {MODEL_FILE} in {os.path.dirname(path)}: not a "
                        "finished run")
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataError(f"{path} is damaged (not a complete .keras archive: "
                        f"{error})") from None
    if bad is not None:
        raise DataError(f"{path} is damaged (bad checksum in {bad})")


def load_run(run_dir):
    """`(config, model)` of a finished run; `DataError` if unusable."""
    if not os.path.isdir(run_dir):
        raise DataError(f"no such run directory: {run_dir}")
    model_path = os.path.join(run_dir, MODEL_FILE)
    _check_archive(model_path)
    config = read_config(run_dir)
    metrics_path = os.path.join(run_dir, METRICS_FILE)
    if os.path.isfile(metrics_path):
        metrics = read_metrics(run_dir)
        if metrics["status"] == "diverged":
            raise DataError(
                f"{run_dir} diverged (its loss became NaN or infinite at "
                f"epoch {metrics.get('epochs')}): its weights cannot forecast; "
                "retrain it with a smaller --lr"
            )
    import kzoo.models  # noqa: F401  (registers the kzoo classes)

    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as error:  # a foreign or inconsistent file
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"cannot load {model_path}: {first[:200]}") from None
    return config, model
