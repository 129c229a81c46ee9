"""Tables and plots of the vocabulary study (`kzoo.benchmarks.study.design`)."""

import math

import numpy as np

from kzoo.benchmarks.recall import tasks
from kzoo.benchmarks.study import design
from kzoo.eval.tables import markdown_table

# Quality measures: (key, heading); lower is better except recall and the
# logistic map's horizon.
QUALITY = (("val_mse_next", "val_mse_next on y_w (z-scored)"),
           ("mse_regressive", "regressive MSE on y_w ((ug/m³)²)"),
           ("recall_k", "largest recall lag K with NMSE < 0.1"),
           ("logistic_nmse", "one-step NMSE on the logistic map"),
           ("logistic_horizon", "steps fed back within NRMSE 0.1 on the "
            "logistic map"),
           ("content_nmse", "content-addressed recall NMSE, W = {window} "
            "(exact copies, floor 0)"),
           ("taylor_nmse", "Taylor NMSE, held-out two weeks, lookback "
            "T = {lookback}"))
# Measured in some families only (the others' tables are left out).
ONLY = {"recall_k": tuple(design.RECALL), "logistic_nmse": ("per-token",),
        "logistic_horizon": ("per-token",),
        "content_nmse": tuple(design.RECALL),
        "taylor_nmse": tuple(design.RECALL)}
# The window task of each such measure (its heading names its size).
TASK_OF = {"content_nmse": "content", "taylor_nmse": "taylor"}
COUNTS = ("rows", "params", "recall_k", "logistic_horizon")
COSTS = (("rows", "rows stored"), ("params", "trainable parameters"),
         ("step_ms", "train step ms (batch 32)"),
         ("s_per_epoch", "training s per epoch (with validation)"),
         ("peak_rss_mb", "peak RSS MiB (process)"))
#: Run fields of the recall NMSE at one lag (`recall_nmse_256`).
RECALL_PREFIX = "recall_nmse_"


def measured_in(key, family):
    """Whether `family`'s cells have the measure `key`."""
    if key.startswith(RECALL_PREFIX):
        key = "recall_k"
    return family in ONLY.get(key, (family,))


def recall_lags(cells, family):
    """The lags of the recall NMSE measured in `family`'s cells, sorted."""
    return sorted({int(k[len(RECALL_PREFIX):]) for c in cells
                   if c.get("family") == family for r in c.get("runs", ())
                   for k in r if k.startswith(RECALL_PREFIX)})


def heading(key, sizes=None):
    """The title of measure `key`; `sizes`: `{task: fields}` of the window
    tasks measured (default `design.WINDOW_TASKS`')."""
    if key.startswith(RECALL_PREFIX):
        return (f"recall NMSE at lag K = {key[len(RECALL_PREFIX):]} "
                f"(floor {tasks.LagTask().floor:.3f})")
    if key in TASK_OF:
        task = TASK_OF[key]
        fields = (sizes or {}).get(task, design.WINDOW_TASKS[task]["task"])
        return dict(QUALITY)[key].format(**fields)
    return dict(QUALITY + COSTS)[key]


def quality_measures(cells, family):
    """The quality measures of `family`, the NMSE at each recall lag after
    the largest lag recalled; a window task's only if a cell of the
    family has it (a study measured without it has no such table)."""
    keys = []
    for key, _ in QUALITY:
        if not measured_in(key, family) or (key in TASK_OF and not any(
                key in r for c in cells if c.get("family") == family
                for r in c.get("runs", ()))):
            continue
        keys.append(key)
        if key == "recall_k":
            keys += [RECALL_PREFIX + str(lag)
                     for lag in recall_lags(cells, family)]
    return keys


def stats(cell, key):
    """`(mean, std)` of `key` over a cell's runs, or of the cell's value."""
    if key in cell:
        return float(cell[key]), 0.0
    values = [r[key] for r in cell.get("runs", ())
              if r.get(key) is not None and math.isfinite(r[key])]
    if not values:
        return math.nan, math.nan
    return float(np.mean(values)), float(np.std(values))


def _format(mean, std, key):
    if math.isnan(mean):
        return "-"
    if key in COUNTS and std == 0:
        return f"{mean:.0f}"
    if std == 0:
        return f"{mean:.3g}"
    return f"{mean:.3g} ± {std:.1g}"


vocab_label = design.vocab_label


def table(cells, family, key, reference=None, peers=None):
    """Variants as rows, vocabularies as columns, one measure; the LSTM's
    row and the rows of `peers` (`{label: value}`) last."""
    mine = [c for c in cells if c["family"] == family]
    vocabs = sorted({c["vocab"] for c in mine})
    lines = []
    for variant in design.VARIANTS:
        row = [design.VARIANT_LABELS[variant]]
        present = False
        for vocab in vocabs:
            cell = next((c for c in mine if c["variant"] == variant
                         and c["vocab"] == vocab), None)
            if cell is None:
                row.append("")
            elif "skipped" in cell and key not in ("rows",):
                row.append(f"skipped: {cell['skipped']}" if key == QUALITY[
                    0][0] else "-")
                present = True
            else:
                row.append(_format(*stats(cell, key), key))
                present = True
        if present:
            lines.append(row)
    if reference is not None and (key in dict(QUALITY)
                                  or key.startswith(RECALL_PREFIX)):
        value = _format(*stats(reference, key), key)
        lines.append(["LSTM (reference settings)"] + [value] * len(vocabs))
    for label, value in (peers or {}).items():
        lines.append([label] + [f"{value:.3g}"] * len(vocabs))
    header = ["variant \\ effective vocabulary"] + [vocab_label(v)
                                                   for v in vocabs]
    return markdown_table(header, lines)


def study_markdown(cells, reference, families, peers=None, sizes=None):
    """The study's tables, a section per family; `peers`: `{measure:
    {label: value}}`, rows under the LSTM's; `sizes`: as `heading`'s."""
    peers = peers or {}
    parts = []
    for family in families:
        parts.append(f"## {family} family\n")
        if family == "per-token":
            parts.append("Recall: the per-token models see one time step, "
                         "so they cannot recall any lag (not measured).\n")
        for key in quality_measures(cells, family) + [k for k, _ in COSTS]:
            text = table(cells, family, key, reference, peers.get(key))
            parts.append(f"### {heading(key, sizes)}\n\n{text}\n")
    return "\n".join(parts)


def plots(path_prefix, cells, reference, families, peers=None, sizes=None):
    """Quality against vocabulary, recall, and quality against rows; the
    LSTM dashed, `peers` (`{measure: {label: value}}`) dotted; `sizes`:
    as `heading`'s."""
    peers = peers or {}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kzoo.eval.plots import save_figure

    written = []
    of_family = {f: quality_measures(cells, f) for f in families}
    measures = []
    for family in families:
        measures += [k for k in of_family[family] if k not in measures]
    fig, axes = plt.subplots(len(measures), len(families),
                             figsize=(6 * len(families), 3.4 * len(measures)),
                             dpi=100, squeeze=False)
    for col, family in enumerate(families):
        for row, key in enumerate(measures):
            ax = axes[row][col]
            if key not in of_family[family]:
                ax.set_axis_off()
                continue
            for variant in design.VARIANTS:
                points = sorted(
                    (c["effective_vocab"], *stats(c, key)) for c in cells
                    if c["family"] == family and c["variant"] == variant
                    and "skipped" not in c)
                points = [p for p in points if not math.isnan(p[1])]
                if points:
                    x, y, err = zip(*points)
                    ax.errorbar(x, y, yerr=err, marker="o", ms=3, lw=1,
                                capsize=2,
                                label=design.VARIANT_LABELS[variant])
            if reference is not None:
                mean = stats(reference, key)[0]
                if not math.isnan(mean):
                    ax.axhline(mean, color="k", ls="--", lw=1,
                               label="LSTM (reference)")
            for (label, value), color in zip(peers.get(key, {}).items(),
                                             ("tab:gray", "tab:brown")):
                ax.axhline(value, color=color, ls=":", lw=1, label=label)
            ax.set_xscale("log", base=2)
            if key not in ("recall_k", "logistic_horizon"):
                ax.set_yscale("log")
            ax.set_xlabel("effective vocabulary")
            ax.set_title(f"{family}: {heading(key, sizes)}", fontsize=9)
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6)
    written.append(save_figure(fig, f"{path_prefix}_quality.png"))

    fig, axes = plt.subplots(1, len(families), figsize=(6 * len(families), 4),
                             dpi=100, squeeze=False)
    for col, family in enumerate(families):
        ax = axes[0][col]
        for variant in design.VARIANTS:
            points = [(c["rows"], stats(c, "val_mse_next")[0]) for c in cells
                      if c["family"] == family and c["variant"] == variant
                      and "skipped" not in c]
            points = sorted(p for p in points if not math.isnan(p[1]))
            if points:
                ax.plot(*zip(*points), "o-", ms=3, lw=1,
                        label=design.VARIANT_LABELS[variant])
        line = math.nan if reference is None else stats(
            reference, "val_mse_next")[0]
        if not math.isnan(line):
            ax.axhline(line, color="k", ls="--", lw=1,
                       label="LSTM (reference)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("codebook rows stored (memory)")
        ax.set_ylabel("val_mse_next")
        ax.set_title(f"{family}: quality against rows stored", fontsize=9)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    written.append(save_figure(fig, f"{path_prefix}_cost.png"))
    return written
