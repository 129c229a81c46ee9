"""Plots like the reference's: series, predictions, prediction start."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save_figure(fig, path):
    """Lay out `fig`, write it to `path` and close it; returns `path`."""
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def forecast_plot(path, series, start, pred, title, kind):
    """Original series, predictions from `start` on, the actual segment.

    Args:
        path: PNG to write.
        series: a `kzoo.data.Series` (original units, axis labels).
        start: index of the first predicted value.
        pred: forecasts of `series.values[start : start + len(pred)]`.
        title: the run name.
        kind: "one-step" or "regressive", named in the legend.
    """
    values = series.values
    x = series.time if series.time is not None else np.arange(len(values))
    end = start + len(pred)
    fig, ax = plt.subplots(figsize=(11, 4.5), dpi=110)
    ax.plot(x, values, color="0.7", lw=1.0, label="original data")
    ax.plot(x[start:end], values[start:end], color="tab:blue", lw=1.2,
            label="actual values")
    ax.plot(x[start:end], pred, color="tab:red", lw=1.2,
            label=f"{kind} predictions")
    ax.axvline(x[start], color="k", ls="--", lw=1.0, label="prediction start")
    ax.set_xlabel(series.time_label)
    ax.set_ylabel(series.label)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
