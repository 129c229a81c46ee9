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

Writes `OUT/ceiling.md` (NMSE at the scored positions of the validation
part, per window and per number of codes) and `OUT/ceiling.png`.
"""

import os

from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall import tasks
from kzoo.eval.tables import markdown_table
from kzoo.storage import write_file

DEFAULT_WINDOWS = "64,512,4096"
DEFAULT_CODES = "64,256,1024,4096,16384"
DEFAULT_HEADS = "1,2"


def sweep(windows, codes, heads, log=print):
    """`{(window, label): NMSE}`: `label` is `"exact"` or `(H, S)`."""
    out = {}
    for window in windows:
        task = tasks.ContentTask(window=window)
        out[window, "exact"] = measure.content_ceiling(task)["nmse"]
        log(f"window {window}: nearest key (exact) "
            f"{out[window, 'exact']:.3f}")
        for head in heads:
            for size in codes:
                out[window, (head, size)] = measure.content_ceiling(
                    task, size, head)["nmse"]
                log(f"window {window}: H={head} S={size} "
                    f"{out[window, (head, size)]:.3f}")
    return out


def table(results, windows, codes, heads):
    rows = [["nearest key (exact read)"] + [
        f"{results[w, 'exact']:.3f}" for w in windows]]
    for head in heads:
        for size in codes:
            name = f"hard VQ, S={size}" + (
                f" per head, H={head} (S^H={size ** head:.3g})"
                if head > 1 else "")
            rows.append([name] + [f"{results[w, (head, size)]:.3f}"
                                  for w in windows])
    return markdown_table(["read"] + [f"W={w}" for w in windows], rows)


def plot(results, windows, codes, heads, floor, path):
    from kzoo.eval.plots import plt
    from kzoo.eval.plots import save_figure

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for window in windows:
        for head in heads:
            line, = ax.plot(codes, [results[window, (head, s)]
                                    for s in codes],
                            marker="o", ls="-" if head == 1 else "--",
                            label=f"W={window}, hard VQ, H={head}")
        ax.axhline(results[window, "exact"], color=line.get_color(),
                   ls=":", lw=1.2, label=f"W={window}, exact read")
    ax.axhline(floor, color="k", ls="--", lw=1.0,
               label=f"floor 1 - a² = {floor:.3f}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("codes S per head")
    ax.set_ylabel("NMSE at the scored positions (validation)")
    ax.set_title("Content recall: a codebook cache that knows the key")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def write(out, results, windows, codes, heads):
    """Write `OUT/ceiling.md` and `OUT/ceiling.png`; return the table."""
    text = table(results, windows, codes, heads)
    os.makedirs(out, exist_ok=True)
    write_file(os.path.join(out, "ceiling.md"),
               "# Content recall: the ceiling of a codebook cache\n\n"
               f"{text}\n")
    plot(results, windows, codes, heads, tasks.ContentTask().floor,
         os.path.join(out, "ceiling.png"))
    return text
