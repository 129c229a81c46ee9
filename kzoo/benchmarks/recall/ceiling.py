"""How many codes does a codebook cache need to address content?

The content task's ceilings (`peers.VQCacheCeiling`, `peers.NearestKeyRead`)
over windows and numbers of codes: the read of a hard-VQ cache that knows
the task's key, flat (one table of `S` rows) and with product heads
(`H` tables of `S` rows on `key / H` values each), beside the read of the
same key without quantisation. Nothing is trained, so a sweep takes
seconds to minutes.

    python recipes/recall.py --task ceiling --out runs/recall
    python recipes/recall.py --task ceiling --windows 64,512 \\
        --codes 64,4096 --heads 1
    python recipes/recall.py --task ceiling --exact   # exact recurrences
    python recipes/recall.py --task ceiling --draws 3  # mean ± std

Writes `OUT/ceiling.md` (NMSE at the scored positions of the validation
part, per window and per number of codes; with `--draws`, the mean and
standard deviation over that many draws of the rows) and
`OUT/ceiling.png`.
"""

import os

import numpy as np

from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall import tasks
from kzoo.eval.tables import markdown_table
from kzoo.storage import write_file

DEFAULT_WINDOWS = "64,512,4096"
DEFAULT_CODES = "64,256,1024,4096,16384"
DEFAULT_HEADS = "1,2"
#: The plot's lowest NMSE: reads below it are drawn at it.
BOTTOM = 1e-3


def sweep(windows, codes, heads, log=print, a=tasks.ContentTask.a,
          draws=1):
    """`{(window, label): [NMSE, ...]}`: `label` is `"exact"` (one read:
    nothing is drawn) or `(H, S)`, read with rows drawn by seeds
    `0 .. draws - 1`; `a` is the content task's copy coefficient (1:
    exact recurrences)."""
    out = {}
    for window in windows:
        task = tasks.ContentTask(window=window, a=a)
        out[window, "exact"] = [measure.content_ceiling(task)["nmse"]]
        log(f"window {window}: nearest key (exact) "
            f"{cell(out[window, 'exact'])}")
        for head in heads:
            for size in codes:
                out[window, (head, size)] = [
                    measure.content_ceiling(task, size, head, seed)["nmse"]
                    for seed in range(draws)]
                log(f"window {window}: H={head} S={size} "
                    f"{cell(out[window, (head, size)])}")
    return out


def cell(reads):
    """`mean` of a cell's reads to 3 decimals, `± std` if several."""
    text = f"{np.mean(reads):.3f}"
    return text + f" ± {np.std(reads):.3f}" if len(reads) > 1 else text


def table(results, windows, codes, heads):
    rows = [["nearest key (exact read)"] + [
        cell(results[w, "exact"]) for w in windows]]
    for head in heads:
        for size in codes:
            name = f"hard VQ, S={size}" + (
                f" per head, H={head} (S^H={size ** head:.3g})"
                if head > 1 else "")
            rows.append([name] + [cell(results[w, (head, size)])
                                  for w in windows])
    return markdown_table(["read"] + [f"W={w}" for w in windows], rows)


def plot(results, windows, codes, heads, floor, path, subtitle=""):
    """The sweep against `S` (left) and against `S / W`, the codes per
    position of the window (right), log-log. Reads under `BOTTOM` are
    drawn at it; a read or floor of 0 (exact recurrences) is named in the
    legend instead."""
    from kzoo.eval.plots import plt
    from kzoo.eval.plots import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), dpi=110, sharey=True)
    for window in windows:
        for head in heads:
            reads = [max(np.mean(results[window, (head, s)]), BOTTOM)
                     for s in codes]
            style = dict(marker="o", ls=("-", "--", ":", "-.")[
                heads.index(head) % 4])
            line, = axes[0].plot(codes, reads, **style,
                                 label=f"W={window}, hard VQ, H={head}")
            axes[1].plot([s / window for s in codes], reads, **style,
                         color=line.get_color())
        exact = float(np.mean(results[window, "exact"]))
        if exact > BOTTOM:
            axes[0].axhline(exact, color=line.get_color(), ls=":", lw=1.2,
                            label=f"W={window}, exact read")
        else:
            line.set_label(f"{line.get_label()} (exact read: {exact:.0g})")
    for ax in axes:
        if floor > BOTTOM:
            ax.axhline(floor, color="k", ls="--", lw=1.0,
                       label=f"floor 1 - a² = {floor:.3f}")
        ax.axhline(0.1, color="grey", ls="-.", lw=0.8, label="NMSE 0.1")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_ylim(bottom=BOTTOM / 2)
    axes[0].set_xlabel("codes S per head")
    axes[1].set_xlabel("codes per position of the window, S / W")
    axes[0].set_ylabel("NMSE at the scored positions (validation)")
    fig.suptitle("Content recall: a codebook cache that knows the key"
                 + (f", {subtitle}" if subtitle else ""))
    axes[0].legend(fontsize=7)
    return save_figure(fig, path)


def write(out, results, windows, codes, heads, a=tasks.ContentTask.a):
    """Write `OUT/ceiling.md` and `OUT/ceiling.png`; return the table."""
    text = table(results, windows, codes, heads)
    task = tasks.ContentTask(a=a)
    copies = "exact (a = 1)" if task.exact_copies else f"noisy (a = {a:g})"
    os.makedirs(out, exist_ok=True)
    write_file(os.path.join(out, "ceiling.md"),
               "# Content recall: the ceiling of a codebook cache\n\n"
               f"Recurrences {copies}; floor {task.floor:.4f}.\n\n"
               f"{text}\n")
    plot(results, windows, codes, heads, task.floor,
         os.path.join(out, "ceiling.png"), f"recurrences {copies}")
    return text
