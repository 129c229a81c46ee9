"""Tables and plots of the recall tasks (`suite.Suite.run`'s results).

Each task's results are kept in `OUT/recall_<task>.json`; `OUT/recall.md`
holds a section for every task measured in `OUT`, and
`OUT/recall_<task>.png` its plot: the NMSE of every model (mean over the
seeds, the band from the lowest to the highest seed) against the lag, the
distance or the lookback, with the peers and the floor.
"""

import json
import math
import os

import numpy as np

from kzoo.benchmarks.recall import measure
from kzoo.errors import DataError
from kzoo.eval.tables import markdown_table
from kzoo.storage import write_file
from kzoo.storage import write_json

TASKS = ("lag", "content", "taylor")
TITLES = {
    "lag": "Fixed-lag recall: x[t] = a x[t-K] + noise",
    "content": "Content-addressed recall: continue a segment seen earlier",
    "taylor": "Taylor electricity demand (half-hourly, weekly period 336)",
}
AXES = {"lag": "lag K", "content": "distance d (band [2^k, 2^(k+1)))",
        "taylor": "lookback T"}


def curves(results):
    """`{model: {x: [NMSE per seed]}}` (peers included), in order.

    For the content task `x` is a distance band (its lower edge)."""
    out = {}
    for row in results["rows"] + results["peers"]:
        points = row.get("bands") or {row["x"]: row["nmse"]}
        for x, value in points.items():
            out.setdefault(row["model"], {}).setdefault(int(x), []).append(
                math.nan if value is None else value)
    return out


def _cell(values):
    """Three significant digits (Taylor's errors are below 1e-3), and the
    spread over seeds to one."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "diverged"
    if len(values) == 1:
        return f"{finite[0]:.3g}"
    mean, spread = np.mean(finite), np.std(finite)
    if spread <= 1e-9 * abs(mean):  # equal runs, to rounding
        spread = 0.0
    return f"{mean:.3g} ± {spread:.1g}"


def _overall(results):
    """`{model: [overall NMSE per seed]}` of the content task."""
    out = {}
    for row in results["rows"] + results["peers"]:
        out.setdefault(row["model"], []).append(
            math.nan if row["nmse"] is None else row["nmse"])
    return out


def table(results):
    kind, data = results["task"], curves(results)
    xs = sorted({x for points in data.values() for x in points})
    params = {}
    for row in results["rows"]:
        params.setdefault(row["model"], set()).add(row["params"])
    params = {m: str(min(p)) if len(p) == 1 else f"{min(p)}-{max(p)}"
              for m, p in params.items()}
    header = ["model", "params"]
    extra = {}
    if kind == "lag":
        header.append("largest K with NMSE < 0.1")
        extra = measure.longest_recall(
            [{"model": m, "lag": x, "nmse": float(np.nanmean(v))}
             for m, points in data.items() for x, v in points.items()])
    elif kind == "content":
        header.append("all distances")
        overall = _overall(results)
        extra = {m: _cell(v) for m, v in overall.items()}
    if kind == "content":
        header += [f"d in [{x}, {2 * x})" for x in xs]
    else:
        header += [f"{'K' if kind == 'lag' else 'T'}={x}" for x in xs]
    rows = []
    for model, points in data.items():
        row = [model, params.get(model, "-")]
        if extra:
            row.append(extra.get(model, "-"))
        rows.append(row + [_cell(points[x]) if x in points else "-"
                           for x in xs])
    if results.get("floor") is not None:
        rows.append(["floor (1 - a²)", "-"] + [
            "" if kind == "lag" else f"{results['floor']:.4f}"] * bool(extra)
            + [f"{results['floor']:.4f}"] * len(xs))
    return markdown_table(header, rows)


def section(results):
    kind = results["task"]
    settings = ", ".join(f"{k}={v}" for k, v in results["settings"].items())
    overrides = ", ".join(f"{k}={json.dumps(v)}" for k, v in
                          results.get("overrides", {}).items())
    tuned = {t["model"] for t in results["tuning"]}
    if tuned and tuned >= set(results["models"]):
        epochs = "epochs chosen on validation (below)"
    else:
        epochs = f"{results['epochs']} epoch(s)" + (
            " (the LSTM's chosen below)" if tuned else "")
    lines = [f"## {TITLES[kind]}", "",
             f"{results['seeds']} seed(s), {epochs}"
             + f"; task settings: {settings}"
             + (f"; model settings (--set): {overrides}" if overrides
                else "") + ".", "",
             table(results), ""]
    chosen = [t for t in results["tuning"] if t.get("chosen")]
    if chosen:
        picks = "; ".join(f"{t['x']}: lr={t['lr']:g}, epochs="
                          f"{t.get('kept', t['epochs'])}" for t in chosen)
        lines += [f"LSTM settings chosen on validation ({AXES[kind]}: "
                  f"settings): {picks}.", ""]
    lines += [f"![{kind}](recall_{kind}.png)", ""]
    return "\n".join(lines)


def plot(results, path):
    from kzoo.eval.plots import plt
    from kzoo.eval.plots import save_figure

    kind, data = results["task"], curves(results)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    peers = {r["model"] for r in results["peers"]}
    for model, points in data.items():
        xs = sorted(points)
        values = [np.array(points[x], float) for x in xs]
        mean = [np.nanmean(v) if np.isfinite(v).any() else np.nan
                for v in values]
        if model in peers:
            zero = all(m == 0 for m in mean)  # off a log axis: named only
            ax.plot(xs, mean, ls="-.", lw=1.8, marker="s",
                    label=model + (": 0 at every x (not drawn)" * zero))
            continue
        line, = ax.plot(xs, mean, marker="o", label=model)
        if max(len(v) for v in values) > 1:
            low = [np.nanmin(v) if np.isfinite(v).any() else np.nan
                   for v in values]
            high = [np.nanmax(v) if np.isfinite(v).any() else np.nan
                    for v in values]
            ax.fill_between(xs, low, high, color=line.get_color(),
                            alpha=0.2)
    if results.get("floor"):  # a floor of 0 has no place on a log axis
        ax.axhline(results["floor"], color="k", ls="--", lw=1.0,
                   label=f"floor 1 - a² = {results['floor']:.3f}")
    if kind in ("lag", "content"):
        ax.axhline(measure.RECALL_THRESHOLD, color="0.5", ls=":", lw=1.0,
                   label="threshold 0.1")
    ax.set_xscale("log", base=2)
    ticks = sorted({x for points in data.values() for x in points})
    ax.set_xticks(ticks, [str(x) for x in ticks])
    ax.tick_params(axis="x", which="minor", bottom=False)
    ax.set_yscale("log")
    ax.set_xlabel(AXES[kind])
    ax.set_ylabel("NMSE (validation)" if kind != "taylor"
                  else "NMSE (held-out two weeks)")
    ax.set_title(f"{TITLES[kind]}: {results['seeds']} seed(s)")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def write(out, results):
    """Keep `results`, redraw its plot, rewrite `OUT/recall.md`."""
    os.makedirs(out, exist_ok=True)
    kind = results["task"]
    write_json(os.path.join(out, f"recall_{kind}.json"), results)
    plot(results, os.path.join(out, f"recall_{kind}.png"))
    sections = []
    for name in TASKS:
        path = os.path.join(out, f"recall_{name}.json")
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    sections.append(section(json.load(f)))
            except (ValueError, KeyError, TypeError) as error:
                raise DataError(f"{path} is damaged ({error}): delete it "
                                "and re-run its task") from None
    text = "# Recall: how much context does each model use?\n\n" + \
        "\n".join(sections)
    write_file(os.path.join(out, "recall.md"), text)
    return text
