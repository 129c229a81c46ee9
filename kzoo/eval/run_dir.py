"""The run directory: its files, as training writes them and eval reads them.

A finished run is `OUT/<name>/<timestamp>/` holding `model.keras`,
`config.json`, `metrics.json`, `history.csv` and TensorBoard `logs/`. While
it trains it lives in a staging directory `OUT/<name>/.partial-<key>/`.
"""

import json
import os

import keras

from kzoo.data import DataError

PARTIAL_PREFIX = ".partial-"
MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"


def load_run(run_dir):
    """`(config, model)` of a run directory; `DataError` if unusable."""
    model_path = os.path.join(run_dir, MODEL_FILE)
    config_path = os.path.join(run_dir, CONFIG_FILE)
    if not os.path.isdir(run_dir):
        raise DataError(f"no such run directory: {run_dir}")
    if not os.path.isfile(model_path):
        raise DataError(f"no {MODEL_FILE} in {run_dir}: not a finished run")
    if not os.path.isfile(config_path):
        raise DataError(f"no {CONFIG_FILE} in {run_dir}: not a finished run")
    try:
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(f"cannot read {config_path}: {error}") from None
    if isinstance(config, dict) and "kzoo_version" not in config:
        raise DataError(
            f"{run_dir} was saved by kzoo 0.1, whose layer names changed in "
            "0.2 (README: Upgrading from kzoo 0.1); retrain it"
        )
    import kzoo.models  # noqa: F401  (registers the kzoo classes)

    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as error:  # a corrupt or foreign file
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"cannot load {model_path}: {first[:200]}") from None
    return config, model
