"""Tables over many runs: sorted results and average-rank analysis."""

import itertools
import json
import math
import os

from kzoo.data import DataError
from kzoo.eval.run_dir import CONFIG_FILE
from kzoo.eval.run_dir import METRICS_FILE
from kzoo.eval.run_dir import PARTIAL_PREFIX

COLUMNS = ("Predict/mse_regressive", "Predict/mse_batch", "Final/train_loss",
           "Final/val_loss")
METRICS = COLUMNS + ("Final/val_mse_next",)


def collect_runs(root, dataset=None):
    """Every finished run under `root`, as a flat dict of metrics and values.

    `Predict/*` come from `metrics_<dataset>.json` written by
    `recipes/predict.py` (default: each run's own dataset).
    """
    if not os.path.isdir(root):
        raise DataError(f"no such directory: {root}")
    rows = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(PARTIAL_PREFIX))
        if METRICS_FILE not in files or CONFIG_FILE not in files:
            continue
        with open(os.path.join(folder, CONFIG_FILE), encoding="utf-8") as f:
            config = json.load(f)
        with open(os.path.join(folder, METRICS_FILE), encoding="utf-8") as f:
            metrics = json.load(f)
        row = {
            "run_dir": folder,
            "name": config.get("name", os.path.basename(folder)),
            "values": {"model": config["model"], **_flat(config["hparams"]),
                       "backend": config.get("backend", "-")},
            "Final/train_loss": metrics.get("train_loss"),
            "Final/val_loss": metrics.get("val_loss"),
            "Final/val_mse_next": metrics.get("val_mse_next"),
        }
        ds = dataset or config.get("dataset_name")
        predicted = os.path.join(folder, f"metrics_{ds}.json")
        if os.path.isfile(predicted):
            with open(predicted) as f:
                result = json.load(f)
            row["Predict/mse_batch"] = result["batch"]["mse"]
            row["Predict/mse_regressive"] = result["regressive"]["mse"]
        rows.append(row)
    return rows


def _flat(hparams):
    return {k: ",".join(map(str, v)) if isinstance(v, list) else v
            for k, v in hparams.items()}


def _value(row, metric):
    value = row.get(metric)
    return math.inf if value is None or value != value else value


def sort_runs(rows, metric):
    if metric not in METRICS:
        raise DataError(
            f"unknown metric {metric!r}; valid: {', '.join(METRICS)}")
    return sorted(rows, key=lambda r: (_value(r, metric), r["name"]))


def _fmt(value):
    return "-" if value is None else f"{value:.6g}"


def runs_table(rows, top=None):
    """Markdown: Model | Predict/mse_regressive | ... | Final/val_loss."""
    lines = ["| Model | " + " | ".join(COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 1) + "|"]
    backends = {row["values"].get("backend") for row in rows}
    for row in rows[:top]:
        cells = " | ".join(_fmt(row.get(c)) for c in COLUMNS)
        name = row["name"]
        if len(backends) > 1:
            name += f" [{row['values']['backend']}]"
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def varying_keys(rows):
    """Hyperparameters that take more than one value across the runs."""
    keys = sorted(set().union(*(r["values"] for r in rows)))
    return [k for k in keys
            if len({str(r["values"].get(k, "-")) for r in rows}) > 1]


def average_ranks(rows, metric, k):
    """Average rank of each combination of `k` hyperparameter values.

    Runs are ranked 1..n by `metric` (runs without it are left out). For
    every set of `k` varying hyperparameters and every combination of
    their values seen, the mean rank of the runs with those values and
    their count; best (lowest mean) first. Runs of models without one of
    the hyperparameters do not count for it.
    """
    ranked = [r for r in sort_runs(rows, metric)
              if _value(r, metric) < math.inf]
    keys = varying_keys(ranked)
    groups = {}
    for rank, row in enumerate(ranked, start=1):
        for combo in itertools.combinations(keys, k):
            if any(key not in row["values"] for key in combo):
                continue  # a model without that hyperparameter
            label = ", ".join(f"{key}={row['values'][key]}" for key in combo)
            groups.setdefault(label, []).append(rank)
    table = [(label, sum(r) / len(r), len(r)) for label, r in groups.items()]
    return sorted(table, key=lambda t: (t[1], -t[2], t[0]))


def rank_table(ranks, top=None):
    lines = ["| Values | Average rank | Count |", "|---|---|---|"]
    for label, mean, count in ranks[:top]:
        lines.append(f"| {label} | {mean:.2f} | {count} |")
    return "\n".join(lines)


def chart(path, rows, metric, top=20):
    """Horizontal bar chart of the best `top` runs by `metric`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows[:top] if _value(r, metric) < math.inf]
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(rows) + 1.5), dpi=110)
    ax.barh(range(len(rows)), [r[metric] for r in rows], color="tab:blue")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r["name"] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(metric)
    ax.set_title(f"best {len(rows)} runs by {metric}")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
