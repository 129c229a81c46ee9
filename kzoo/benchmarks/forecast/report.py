"""Tables and plots of the forecast benchmarks (`forecast.design`)."""

import io
import math
import warnings

import numpy as np

from kzoo.eval.protocols import LASER_TEST_LABEL
from kzoo.eval.protocols import LOGISTIC_THRESHOLD
from kzoo.eval.protocols import MG_HORIZON
from kzoo.eval.tables import markdown_table
from kzoo.storage import write_file

# The columns of each protocol's table: (key, heading); lower is better in
# every one but the logistic map's horizon.
METRICS = {
    "laser": (("rollout_nmse", f"NMSE {LASER_TEST_LABEL} fed back"),
              ("one_step_nmse", f"NMSE {LASER_TEST_LABEL} one-step")),
    "mackey_glass": (("one_step_nrmse", "NRMSE one-step"),
                     ("rollout_nrmse", f"NRMSE {MG_HORIZON} steps (pooled)"),
                     ("nrmse_at_horizon", f"NRMSE at step {MG_HORIZON}")),
    "logistic": (("one_step_nmse", "NMSE one-step"),
                 ("horizon", "steps fed back within NRMSE "
                  f"{LOGISTIC_THRESHOLD:g} (higher is better)"),
                 ("rollout_nrmse", "NRMSE fed back (pooled)")),
    "reference": (("val_mse_next", "val_mse_next"),
                  ("mse_regressive", "regressive MSE (ug/m³)²")),
}


def summarise(rows, key):
    """`(mean, std, n)` of `key` over rows (finite values only)."""
    values = [r[key] for r in rows if r.get(key) is not None]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan, math.nan, len(values)
    return float(np.mean(finite)), float(np.std(finite)), len(values)


def _cell(mean, std, n):
    if math.isnan(mean):
        return "diverged" if n else "-"
    if n == 1:
        return f"{mean:.4g}"
    return f"{mean:.4g} ± {std:.2g}"


def by_model(rows):
    """`{model: [rows]}` in first-seen order."""
    groups = {}
    for row in rows:
        groups.setdefault(row["model"], []).append(row)
    return groups


def protocol_table(protocol, rows):
    """Markdown: one line per model, mean ± std over its seeds, best first."""
    columns = METRICS[protocol]
    first = columns[0][0]
    groups = by_model(rows)
    order = sorted(groups, key=lambda m: _sort_key(
        summarise(groups[m], first)[0]))
    lines = []
    for model in order:
        group = groups[model]
        cells = [_cell(*summarise(group, key)) for key, _ in columns]
        params = group[0].get("params", "-")
        wall = summarise(group, "wall_s")[0]
        lines.append([model, len(group), params, *cells,
                      "-" if math.isnan(wall) else f"{wall:.1f}"])
    return markdown_table(["model", "seeds", "params",
                           *(heading for _, heading in columns),
                           "wall s (mean)"], lines)


def _sort_key(value):
    return math.inf if math.isnan(value) else value


def shown(forecast, truth=None):
    """A forecast as plotted: as long as `truth`, a diverging one clipped.

    Clipped to the truth's range widened by its span on either side (in
    the truth's units: z-scored or ug/m³), or to +-8 without a truth.
    """
    forecast = np.asarray(forecast, float)
    if truth is None:
        return np.clip(forecast, -8, 8)
    truth = np.asarray(truth, float)
    low, high = float(np.min(truth)), float(np.max(truth))
    span = (high - low) or 1.0
    return np.clip(forecast[:len(truth)], low - span, high + span)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    image = io.BytesIO()
    fig.savefig(image, format="png")
    _pyplot().close(fig)
    write_file(path, image.getvalue())
    return path


def step_error_plot(path, rows, title, threshold=LOGISTIC_THRESHOLD):
    """The NRMSE of fed-back forecasts step by step (`nrmse_by_step`),
    each model's mean over its seeds, on a log scale, with `threshold`:
    where a curve crosses it is the model's horizon.

    Written to `path` (PNG) atomically.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for model, group in by_model(rows).items():
        curves = [np.asarray(r["nrmse_by_step"], float) for r in group
                  if r.get("nrmse_by_step") is not None]
        if not curves:
            continue
        with warnings.catch_warnings():  # a step every seed diverged on
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(np.stack(curves), axis=0)
        steps = np.arange(1, len(mean) + 1)
        ax.semilogy(steps, np.clip(mean, 1e-12, 1e3), lw=1.2, label=model)
    ax.axhline(threshold, color="k", ls="--", lw=1.0,
               label=f"NRMSE {threshold:g}")
    ax.set_xlabel("steps fed back")
    ax.set_ylabel("NRMSE over the starts")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return _save(fig, path)


def protocol_plot(path, protocol, rows, title):
    """The fed-back forecast of each model's first seed against the truth.

    Written to `path` (PNG) atomically; a failed write names it.
    """
    plt = _pyplot()
    groups = by_model(rows)
    fig, ax = plt.subplots(figsize=(11, 4.5), dpi=110)
    truth = next((r["truth"] for r in rows if r.get("truth") is not None),
                 None)
    if truth is not None:
        ax.plot(np.arange(len(truth)), truth, color="k", lw=2.0,
                label="truth")
    for model, group in groups.items():
        forecast = group[0].get("forecast")
        if forecast is None:
            continue
        forecast = shown(forecast, truth)
        ax.plot(np.arange(len(forecast)), forecast, lw=1.0, label=model)
    ax.set_xlabel("steps fed back")
    ax.set_ylabel("value (z-scored)" if protocol != "reference"
                  else "value (ug/m³)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return _save(fig, path)
