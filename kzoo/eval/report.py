"""Tables over many runs: sorted results and average-rank analysis."""

import itertools
import math
import os

from kzoo.data import DataError
from kzoo.eval.run_dir import CONFIG_FILE
from kzoo.eval.run_dir import METRICS_FILE
from kzoo.eval.run_dir import PARTIAL_PREFIX
from kzoo.eval.run_dir import read_json
from kzoo.eval.run_dir import read_metrics
from kzoo.eval.tables import markdown_table

COLUMNS = ("Predict/mse_regressive", "Predict/mse_batch", "Final/train_loss",
           "Final/val_loss")
METRICS = COLUMNS + ("Final/val_mse_next",)


def collect_runs(root, dataset=None, on_skip=None):
    """Every finished run under `root`, as a flat dict of metrics and values.

    `Predict/*` come from `metrics_<dataset>.json` written by
    `recipes/predict.py` (default: each run's own dataset). A run whose
    files are damaged is left out and `on_skip(message)` is called, if
    given, with one line naming it.
    """
    if not os.path.isdir(root):
        raise DataError(f"no such directory: {root}")
    rows = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(PARTIAL_PREFIX))
        if METRICS_FILE not in files or CONFIG_FILE not in files:
            continue
        try:
            rows.append(_row(folder, dataset))
        except DataError as error:
            if on_skip is not None:
                on_skip(f"skipped {folder}: {error}")
    return rows


def _row(folder, dataset):
    config = read_json(os.path.join(folder, CONFIG_FILE))
    if not isinstance(config.get("model"), str) or not isinstance(
            config.get("hparams"), dict):
        raise DataError(f"{os.path.join(folder, CONFIG_FILE)} is damaged: "
                        "no 'model' and 'hparams'")
    metrics = read_metrics(folder)
    row = {
        "run_dir": folder,
        "name": config.get("name", os.path.basename(folder)),
        "values": {"model": config["model"], **_flat(config["hparams"]),
                   "backend": config.get("backend", "-")},
        "status": metrics["status"],
        "epochs": metrics.get("epochs"),
        "Final/train_loss": _number(metrics.get("train_loss")),
        "Final/val_loss": _number(metrics.get("val_loss")),
        "Final/val_mse_next": _number(metrics.get("val_mse_next")),
    }
    ds = dataset or config.get("dataset_name")
    predicted = os.path.join(folder, f"metrics_{ds}.json")
    if os.path.isfile(predicted):
        result = read_json(predicted)
        try:
            row["Predict/mse_batch"] = _number(result["batch"]["mse"])
            row["Predict/mse_regressive"] = _number(
                result["regressive"]["mse"])
        except (KeyError, TypeError):
            raise DataError(f"{predicted} is damaged: no batch and "
                            "regressive mse") from None
    return row


def _number(value):
    return value if isinstance(value, (int, float)) else None


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
    """Markdown: Model | Predict/mse_regressive | ... | Final/val_loss | Status.

    Status is `complete`, or `diverged at epoch N` for a run whose loss
    became NaN or infinite.
    """
    backends = {row["values"].get("backend") for row in rows}
    cells = []
    for row in rows[:top]:
        name = row["name"]
        if len(backends) > 1:
            name += f" [{row['values']['backend']}]"
        status = row.get("status", "complete")
        if status == "diverged":
            status = f"diverged at epoch {row.get('epochs')}"
        cells.append([name, *(_fmt(row.get(c)) for c in COLUMNS), status])
    return markdown_table(("Model",) + COLUMNS + ("Status",), cells)


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

    from kzoo.eval.plots import save_figure

    rows = [r for r in rows[:top] if _value(r, metric) < math.inf]
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(rows) + 1.5), dpi=110)
    ax.barh(range(len(rows)), [r[metric] for r in rows], color="tab:blue")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r["name"] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(metric)
    ax.set_title(f"best {len(rows)} runs by {metric}")
    return save_figure(fig, path)
