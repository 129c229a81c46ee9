"""Running the vocabulary study: cells, resumption, outputs.

Every cell's result is kept in `OUT/cells/<family>_<method>_<vocab>.json`
as soon as it is measured (written atomically), so re-running the same
command skips finished cells; the runs inside are kzoo run directories,
which `kzoo.training` reuses too. Cells run in their own process (their
peak RSS is theirs) unless `in_process`.
"""

import json
import os
import time

from kzoo import backend as kzoo_backend
from kzoo.benchmarks import child
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import report
from kzoo.data import DataError


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # missing or damaged: measured again


def _write(path, value):
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)
    os.replace(temporary, path)


def _measure(config, in_process, log):
    if in_process:
        measured = (measure.measure_reference if config.get("reference")
                    else measure.measure_cell)
        return measure.jsonable(measured(config, log=lambda *a: None))
    env = child.environment()
    env.setdefault("JAX_COMPILATION_CACHE_DIR", config["jax_cache"])
    env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    env.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    try:
        return child.run("kzoo.benchmarks.study.measure", config, env)
    except child.ChildFailed as failure:
        return {**config, "skipped": f"failed: {failure}"}


def run_study(families, methods, vocabs, seeds, out, epochs=None,
              limit_s=600.0, in_process=False, quick=None, measure=True,
              log=print):
    """Measure every cell (and the LSTM); write study.md/.csv and plots.

    Args:
        families, methods, vocabs: the cells (`kzoo.benchmarks.study.design`).
        seeds: seeds per cell.
        out: output directory.
        epochs: epochs of every run (default `design.STUDY_TRAINING`'s).
        limit_s: skip a cell whose single run is estimated longer (`None`:
            no estimate).
        in_process: measure in this process (peak RSS is then this
            process's).
        quick: extra cell settings for a fast check (`recall_lags`,
            `recall_epochs`, `horizon`).
        measure: `False`: measure nothing, write the tables and plots of
            the cells finished so far (the others marked "not measured
            yet"), e.g. while the study runs in another terminal.

    Returns:
        The markdown of `study.md`.
    """
    for family in families:
        if family not in design.FAMILIES:
            raise DataError(f"unknown family {family!r}; valid: "
                            f"{', '.join(design.FAMILIES)}")
    for method in methods:
        if method not in design.METHODS:
            raise DataError(f"unknown method {method!r}; valid: "
                            f"{', '.join(design.METHODS)}")
    cells_dir = os.path.join(out, "cells")
    os.makedirs(cells_dir, exist_ok=True)
    common = {"seeds": list(range(seeds)), "out": os.path.join(out, "runs"),
              "limit_s": limit_s, "jax_cache": os.path.join(out, ".jax_cache"),
              **(quick or {})}
    # Seeds and cells of one architecture share compiled steps (JAX).
    kzoo_backend.enable_compilation_cache(common["jax_cache"])
    if epochs:
        common["epochs"] = epochs
    plan = design.plan_cells(families, methods, vocabs)
    for family, method, vocab in plan:  # every cell valid before any run
        design.cell_settings(family, method, vocab)
    began = time.monotonic()
    reference = _cell(os.path.join(cells_dir, "reference.json"),
                      {**common, "reference": True}, in_process, log,
                      "the LSTM (reference settings)", measure)
    cells = []
    for i, (family, method, vocab) in enumerate(plan, start=1):
        path = os.path.join(cells_dir, f"{family}_{method}_{vocab}.json")
        label = (f"[{i}/{len(plan)}] {family}, {design.METHOD_LABELS[method]},"
                 f" V={report.vocab_label(vocab)}")
        cells.append(_cell(path, {**common, "family": family,
                                  "method": method, "vocab": vocab},
                           in_process, log, label, measure))
        elapsed = time.monotonic() - began
        log(f"    {elapsed / 60:.1f} min so far")
    text = report.study_markdown(cells, reference, families)
    with open(os.path.join(out, "study.md"), "w", encoding="utf-8") as f:
        f.write(text)
    _csv(os.path.join(out, "study.csv"),
         cells + ([reference] if reference else []))
    report.plots(os.path.join(out, "study"), cells, reference,
                       families)
    return text


def _check_same_study(path, cell, config):
    """A finished cell must have been measured as this command asks."""
    seeds = [run.get("seed") for run in cell.get("runs") or ()]
    epochs = (cell.get("settings") or {}).get("epochs")
    wanted = config.get("epochs") or design.STUDY_TRAINING["epochs"]
    if (seeds and seeds != config["seeds"]) or (epochs and epochs != wanted):
        measured = f"seeds {seeds}" + (f" and {epochs} epochs" if epochs
                                         else "")
        raise DataError(
            f"{path} was measured with {measured}, "
            f"this command asks for seeds {config['seeds']} and {wanted}: "
            "give the same --seeds and --epochs, or another --out")


def _cell(path, config, in_process, log, label, measure=True):
    cell = _read(path)
    if cell is not None:
        _check_same_study(path, cell, config)
        log(f"{label}: done before")
        return cell
    if not measure:
        log(f"{label}: not measured yet")
        if config.get("reference"):
            return None
        _, _, effective, rows = design.method_settings(config["method"],
                                                      config["vocab"])
        return {"family": config["family"], "method": config["method"],
                "vocab": config["vocab"], "effective_vocab": effective,
                "rows": rows, "skipped": "not measured yet"}
    log(f"{label}: measuring")
    cell = _measure(config, in_process, log)
    _write(path, cell)
    return cell


def _csv(path, cells):
    import pandas as pd

    rows = []
    for cell in cells:
        base = {k: cell.get(k) for k in ("family", "method", "vocab",
                                         "effective_vocab", "rows", "model",
                                         "step_ms", "peak_rss_mb",
                                         "skipped")}
        for run in cell.get("runs") or [{}]:
            rows.append({**base, **{k: v for k, v in run.items()
                                    if k != "run_dir"}})
    pd.DataFrame(rows).to_csv(path, index=False)
