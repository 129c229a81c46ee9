"""How many codes does a trained content cache need? `vqrecall` over its codes.

The trained counterpart of `ceiling`: `vqrecall` on the content task at
one window, over its product heads `H` and codes per head `S` (each of a
key's `key / H` values in `L` bins, `S = L ** (key / H)`), every cell over
seeds, beside the ceiling's read at the same `H` and `S` (rows drawn from
the data, the scale fitted on the scored positions: nothing trained) where
the task has at least `S` training keys to draw.

    python recipes/recall.py --task codes --exact --window 512 --epochs 1
    python recipes/recall.py --task codes --exact --heads 4 \\
        --codes 64,16384 --seeds 1 --epochs 1

Every fit is a kzoo run under `OUT/codes/` (a repeated command reuses
it). Writes `OUT/codes.md` (NMSE at the scored positions of the validation
part, mean ± std over the seeds) and `OUT/codes.png`.
"""

import os
import time

import numpy as np

from kzoo import models
from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall.ceiling import cell
from kzoo.errors import UsageError
from kzoo.eval.tables import markdown_table
from kzoo.layers.codebook_recall import codes_per_head
from kzoo.layers.codebook_recall import sortable
from kzoo.storage import write_file
from kzoo.storage import write_json

DEFAULT_CODES = "16,64,256,1024,4096,16384,65536,1048576"
DEFAULT_HEADS = "1,2,4"
MODEL = "vqrecall"


def levels(codes, heads, key):
    """The bins `L >= 2` with `L ** (key / heads) == codes`, or `None`.
    `heads` must divide `key` (`cells` checks it first)."""
    if key % heads:
        raise ValueError(f"heads={heads} does not divide key={key}")
    level = round(codes ** (heads / key))
    return level if level >= 2 and codes_per_head(
        level, heads, key) == codes else None


def recall_codes(settings=None):
    """`(heads, codes per head, key values)` of `vqrecall` under the
    `--set` settings (those that are not `vqrecall`'s are ignored)."""
    hp = models.spec(MODEL).defaults
    hp = {**hp, **{k: v for k, v in (settings or {}).items() if k in hp}}
    return hp["n_head"], codes_per_head(hp["levels"], hp["n_head"],
                                        hp["key"]), hp["key"]


def cells(codes, heads, window, settings=None):
    """`(cells, skipped)`: `(H, S, L)` of every pair that `vqrecall` (with
    the `--set` settings) can hold, and a reason for each `(H, S)` it
    cannot."""
    key = recall_codes(settings)[2]
    kept, skipped = [], {}
    for head in heads:
        for size in codes:
            if key % head:
                skipped[head, size] = (
                    f"H={head} does not divide the key's {key} values")
                continue
            level = levels(size, head, key)
            if level is None:
                skipped[head, size] = (
                    f"S={size} is not L^{key // head} for an integer L >= 2")
            elif not sortable(size, window):
                skipped[head, size] = f"S x W = {size * window} >= 2^31"
            else:
                kept.append((head, size, level))
    if not kept:
        raise UsageError("--task codes: no (--heads, --codes) pair is "
                         f"L^(key/H) codes for key {key}: "
                         + "; ".join(skipped.values()))
    return kept, skipped


def sweep(task, grid, seeds, epochs, out, settings=None, log=print):
    """`{(H, S): {"trained": [NMSE per seed], "ceiling": [...] or
    reason}}` for every `(H, S, L)` of `grid`."""
    results, began, worked = {}, time.perf_counter(), 0
    key = recall_codes(settings)[2]
    for i, (head, size, level) in enumerate(grid):
        hp = {**(settings or {}), "n_head": head, "levels": level,
              "epochs": epochs}
        runs = [measure.content_run(
            MODEL, hp, seed, os.path.join(out, "codes"), task,
            log=lambda *a: None) for seed in range(seeds)]
        trained = [run["nmse"] for run in runs]
        # A resumed sweep's reused cells cost nothing: not in the estimate.
        worked += not all(run.get("reused") for run in runs)
        scores, reason = measure.content_ceilings(task, size, head, seeds,
                                                  key)
        ceiling = reason or [score["nmse"] for score in scores]
        results[head, size] = {"levels": level, "trained": trained,
                               "ceiling": ceiling}
        spent = time.perf_counter() - began
        left = spent / max(worked, 1) * (len(grid) - i - 1) / 60
        log(f"[{i + 1}/{len(grid)}] H={head} S={size} (L={level}): "
            f"trained {cell(trained)}, ceiling "
            f"{cell(ceiling) if isinstance(ceiling, list) else '-'} "
            f"({spent:.0f} s so far; about {left:.0f} min left)")
    return results


def table(results, skipped):
    codes = sorted({size for _, size in list(results) + list(skipped)})
    heads = sorted({head for head, _ in list(results) + list(skipped)})
    rows = []
    for head in heads:
        for kind in ("trained", "ceiling"):
            name = (f"`{MODEL}`, H={head}" if kind == "trained" else
                    f"hard-VQ ceiling, H={head}")
            row = [name]
            for size in codes:
                found = results.get((head, size), {}).get(kind)
                row.append(cell(found) if isinstance(found, list) else "-")
            rows.append(row)
    notes = [f"- H={h}, S={s}: {why}" for (h, s), why in
             sorted(skipped.items())] + [
        f"- ceiling, H={h}, S={s}: {r['ceiling']}" for (h, s), r in
        sorted(results.items()) if not isinstance(r["ceiling"], list)]
    text = markdown_table(["read"] + [f"S={s}" for s in codes], rows)
    return text + ("\n\nNot measured:\n\n" + "\n".join(notes)
                   if notes else "")


def plot(results, path, subtitle=""):
    """Trained NMSE (mean, the band from the lowest to the highest seed)
    and the ceiling against the codes per head, a line per `H`."""
    from kzoo.eval.plots import plt
    from kzoo.eval.plots import save_figure

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for head in sorted({h for h, _ in results}):
        sizes = sorted(s for h, s in results if h == head)
        trained = [np.array(results[head, s]["trained"]) for s in sizes]
        line, = ax.plot(sizes, [t.mean() for t in trained], marker="o",
                        label=f"{MODEL} (trained), H={head}")
        ax.fill_between(sizes, [t.min() for t in trained],
                        [t.max() for t in trained], alpha=0.2,
                        color=line.get_color())
        known = [s for s in sizes
                 if isinstance(results[head, s]["ceiling"], list)]
        if known:
            ax.plot(known, [np.mean(results[head, s]["ceiling"])
                            for s in known], ls="--", marker="s",
                    color=line.get_color(),
                    label=f"hard-VQ ceiling (not trained), H={head}")
    ax.axhline(0.1, color="grey", ls="-.", lw=0.8, label="NMSE 0.1")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("codes S per head")
    ax.set_ylabel("NMSE at the scored positions (validation)")
    ax.set_title("Content recall: codes of a trained cache"
                 + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def write(out, results, skipped, task, seeds, epochs):
    """`OUT/codes.md`, `OUT/codes.json` and `OUT/codes.png`; the table."""
    text = table(results, skipped)
    copies = "exact" if task.exact_copies else f"noisy (a = {task.a:g})"
    about = (f"window W={task.window}, recurrences {copies}, {seeds} "
             f"seed(s), {epochs} epoch(s)")
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "codes.json"), {
        "window": task.window, "a": task.a, "seeds": seeds,
        "epochs": epochs, "cells": [
            {"heads": h, "codes": s, **r} for (h, s), r in results.items()],
        "skipped": [{"heads": h, "codes": s, "reason": why}
                    for (h, s), why in skipped.items()]})
    write_file(os.path.join(out, "codes.md"),
               f"# Content recall: codes of a trained cache\n\n{about}; "
               f"floor {task.floor:.4f}.\n\n{text}\n")
    plot(results, os.path.join(out, "codes.png"), about)
    return text
