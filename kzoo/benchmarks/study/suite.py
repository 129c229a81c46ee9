"""Running the vocabulary study: cells, resumption, outputs.

Every cell's result is kept in `OUT/cells/<family>_<variant>_<vocab>.json`
(the LSTM's in `OUT/cells/reference.json`) as soon as it is measured,
written atomically (`kzoo.storage.write_json`); the runs inside are kzoo
run directories, which `kzoo.training` reuses too. Cells run in their own
process (their peak RSS is theirs) unless `in_process`.

Re-running a study reuses a result only where its `key` (everything that
produced it, `kzoo.benchmarks.study.measure.result_key`) is the one the
command asks for; a finished result under another key is refused with one
line naming the difference (nothing is overwritten: give the same flags
or another `--out`). A result that is not final is measured again: a
cell whose measurement failed (its process killed, say by the OOM
killer), a cell skipped under another time limit, a damaged file.

A cell is measured under a lock (`cells/<cell>.lock`): a second identical
study started meanwhile leaves the cells the first holds, measures the
others, then waits for the held ones and reads what the first measured.
With KerasTuner's distributed variables set, the cells are measured by
the workers of a chief instead (`kzoo.benchmarks.study.cluster`).
"""

import os
import signal
import time

from kzoo import backend as kzoo_backend
from kzoo import storage
from kzoo.benchmarks import child
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import report
from kzoo.benchmarks.study import reuse
from kzoo.benchmarks.study import window_tasks as window
from kzoo.errors import DataError
from kzoo.errors import RunBusy
from kzoo.tuning import distributed


def _measure(config, in_process):
    if in_process:
        measured = (measure.measure_reference if config.get("reference")
                    else measure.measure_cell)
        return storage.jsonable(measured(config, log=lambda *a: None))
    env = child.environment()
    env.setdefault("JAX_COMPILATION_CACHE_DIR", config["jax_cache"])
    env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    env.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    try:
        return child.run("kzoo.benchmarks.study.measure", config, env)
    except child.ChildFailed as failure:
        from kzoo.training import interrupts

        if (failure.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
                and interrupts.received() is not None):
            # SIGTERM reached this process's group: stopped, not failed
            # (`child.run` waited for the child; nothing is written).
            # SIGINT raises `KeyboardInterrupt` in `child.run` itself.
            raise interrupts.Terminated from None
        return {**_stub(config), "key": measure.result_key(config),
                "failed": str(failure), "skipped": f"failed: {failure}"}


def _stub(config):
    """What the report needs of a cell that has no measurement."""
    if config.get("reference"):
        return {"family": "reference", "variant": "lstm", "model": "lstm"}
    _, _, effective, rows = design.variant_settings(config["variant"],
                                                    config["vocab"])
    return {"family": config["family"], "variant": config["variant"],
            "vocab": config["vocab"], "effective_vocab": effective,
            "rows": rows}


def run_study(families, variants, vocabs, seeds, out, epochs=None,
              limit_s=600.0, in_process=False, quick=None, measure=True,
              cluster_options=None, window_tasks=(), log=print):
    """Measure every cell (and the LSTM); write study.md/.csv and plots.

    Args:
        families, variants, vocabs: the cells
            (`kzoo.benchmarks.study.design`).
        seeds: seeds per cell.
        out: output directory.
        epochs: epochs of every run (default the models' own,
            `kzoo.models.registry.KZOO_TRAINING`'s for the cells).
        limit_s: skip a cell whose single run is estimated longer (`None`:
            no estimate).
        in_process: measure in this process (peak RSS is then this
            process's).
        quick: extra cell settings for a fast check (`recall_lags`,
            `recall_epochs`, `horizon`, `window_task_overrides`).
        measure: `False`: measure nothing, write the tables and plots of
            the cells finished so far (the others marked "not measured
            yet"), e.g. while the study runs in another terminal.
        window_tasks: names of `design.WINDOW_TASKS` to measure in the
            families that read a window (and the LSTM).

    Returns:
        The markdown of `study.md`.

    Raises:
        UsageError: a bad family, variant or vocabulary (before anything
            runs or is written).
        DataError: `out` holds a result measured otherwise, or (with
            `measure=False`) no study at all.
    """
    plan = design.plan_cells(families, variants, vocabs)
    out = os.path.abspath(out)
    cells_dir = os.path.join(out, "cells")
    if not measure and not os.path.isdir(cells_dir):
        raise DataError(f"{out} holds no study (no {cells_dir}): nothing to "
                        "report; check --out")
    common = {"seeds": list(range(seeds)), "out": os.path.join(out, "runs"),
              "limit_s": limit_s, "jax_cache": os.path.join(out, ".jax_cache"),
              **(quick or {})}
    if window_tasks:
        common["window_tasks"] = list(window_tasks)
    if epochs:
        common["epochs"] = epochs
    # The cells first, the LSTM last: it is one job for every cell, and
    # at long recall lags the costliest (sequential over T), so a study
    # stopped early has its cells.
    jobs = []
    for i, (family, variant, vocab) in enumerate(plan, start=1):
        label = (f"[{i}/{len(plan)}] {family}, "
                 f"{design.VARIANT_LABELS[variant]}, "
                 f"V={report.vocab_label(vocab)}")
        jobs.append((os.path.join(cells_dir, f"{family}_{variant}_{vocab}"
                                  ".json"),
                     {**common, "family": family, "variant": variant,
                      "vocab": vocab}, label))
    jobs.append((os.path.join(cells_dir, "reference.json"),
                 {**common, "reference": True,
                  "reference_for": list(families)},
                 "the LSTM (reference settings)"))
    if not measure:
        results = [_report_only(path, config, log, label)
                   for path, config, label in jobs]
    else:
        os.makedirs(cells_dir, exist_ok=True)
        # Seeds and cells of one architecture share compiled steps (JAX).
        kzoo_backend.enable_compilation_cache(common["jax_cache"])
        if distributed.role() is None:
            results = _measure_all(jobs, in_process, log)
        else:
            from kzoo.benchmarks.study import cluster

            results = cluster.measure_all(
                jobs, lambda job: _cell(*job, in_process, log, wait=True),
                lambda job: _report_only(*job[:2], log, job[2]),
                os.path.join(out, ".cluster"), log, **(cluster_options or {}))
            if results is None:  # a worker: the chief writes the tables
                return None
    reference, cells = results[-1], results[:-1]
    # The LSTM's plan: the tasks asked, if a family reads a window.
    planned = window.plan(jobs[-1][1])
    peers = window.peers(planned)
    sizes = {name: p["task"] for name, p in (planned or {}).items()}
    text = report.study_markdown(cells, reference, families, peers, sizes)
    with open(os.path.join(out, "study.md"), "w", encoding="utf-8") as f:
        f.write(text)
    _csv(os.path.join(out, "study.csv"),
         cells + ([reference] if reference else []))
    report.plots(os.path.join(out, "study"), cells, reference, families,
                 peers, sizes)
    return text


def _measure_all(jobs, in_process, log):
    """Every job's result: the held ones (another study) waited for last."""
    began = time.monotonic()
    results = [None] * len(jobs)
    held = []
    for i, job in enumerate(jobs):
        try:
            results[i] = _cell(*job, in_process, log, wait=False)
        except RunBusy as busy:
            log(f"{job[2]}: {busy}")
            held.append(i)
        log(f"    {(time.monotonic() - began) / 60:.1f} min so far")
    for i in held:
        log(f"{jobs[i][2]}: waiting for the other study")
        results[i] = _cell(*jobs[i], in_process, log, wait=True)
    failed = sum(1 for r in results if "failed" in r)
    if failed:
        log(f"{failed} of {len(jobs)} measurements failed (kept for the "
            "report): re-run the same command to measure them again")
    return results


def _report_only(path, config, log, label):
    cell, why = reuse.verdict(path, config)
    if cell is not None:
        log(f"{label}: reused from {path}" + (f" ({why})" if why else ""))
        return cell
    log(f"{label}: not measured yet" + (f" ({why})" if why else ""))
    if config.get("reference"):
        return None
    return {**_stub(config), "skipped": "not measured yet"}


def _cell(path, config, label, in_process, log, wait):
    cell, why = reuse.verdict(path, config)
    if cell is not None and why is None:
        log(f"{label}: done before, reused from {path}")
        return cell
    lock = storage.FileLock(
        path[:-len(".json")] + ".lock", wait=wait, what="this cell",
        hint="this study reads its result once it is done")
    with lock:
        cell, why = reuse.verdict(path, config)  # measured meanwhile?
        if cell is not None and why is None:
            log(f"{label}: measured by another study, reused from {path}")
            return cell
        log(f"{label}: measuring" + (f" again: {why}" if why else ""))
        cell = _measure(config, in_process)
        storage.write_json(path, cell, indent=1)
    if "failed" in cell:
        log(f"{label}: failed ({cell['failed']}); kept in {path} for the "
            "report, measured again by the next run")
    return cell


def _csv(path, cells):
    import pandas as pd

    rows = []
    for cell in cells:
        base = {k: cell.get(k) for k in ("family", "variant", "vocab",
                                         "effective_vocab", "rows", "model",
                                         "step_ms", "peak_rss_mb",
                                         "skipped")}
        for run in cell.get("runs") or [{}]:
            rows.append({**base, **{k: v for k, v in run.items()
                                    if k != "run_dir"}})
    pd.DataFrame(rows).to_csv(path, index=False)
