"""Running a recall task for many models and seeds, with its peers.

`Suite.check()` plans every run (hyperparameters, window lengths, data)
before anything trains; `Suite.run()` trains them (a repeated command
reuses the finished runs: each is a kzoo run under `OUT/<task>/`), prints
one line per run with an estimate of the time left, and returns the
results `report` writes.

The LSTM, the line to beat, gets its learning rate and epochs chosen per
task (per lag, per lookback; once for the content task) with seed 0, by
the validation error: a fit per learning rate of `LSTM_GRID`, each
stopped `patience` epochs after its best one and kept at that epoch (the
epochs chosen on validation within the fit, as Keras's `EarlyStopping`
with `restore_best_weights` does), then the best of the fits. On the lag
and content tasks the validation part is the one reported (three
candidates: the choice's optimism is small beside the differences
measured); on Taylor its own split's validation windows, not the
held-out values. The other seeds then train with the chosen settings.
"""

import dataclasses
import itertools
import os
import time

from kzoo import models
from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall.codes import recall_codes

#: The LSTM's grid: every combination is a candidate; with `patience`,
#: `epochs` is the most a fit trains, and it keeps its best epoch.
LSTM_GRID = {"lr": (1e-3, 3e-3, 1e-2), "epochs": (30,), "patience": (5,)}
#: `--quick`'s grid.
QUICK_LSTM_GRID = {"lr": (3e-3, 1e-2), "epochs": (1,)}
LABELS = {"lag": "K", "content": "window", "taylor": "T"}


@dataclasses.dataclass
class Suite:
    """One task, its models and sizes (lags, windows or lookbacks).

    Attributes:
        kind: `"lag"`, `"content"` or `"taylor"`.
        task: the `tasks` object.
        models: model names (distinct).
        sizes: the lags (lag), lookbacks (taylor), or `[task.window]`.
        seeds: seeds `0 .. seeds - 1` of every model.
        epochs: epochs of every model but a tuned LSTM.
        out: the output directory (runs under `OUT/<kind>/`).
        lstm_grid: `LSTM_GRID`-like dict, or `None` (no tuning).
        settings: hyperparameters given to every model that has them
            (`--set`); the LSTM's grid, where it tunes, wins over them.
    """

    kind: str
    task: object
    models: list
    sizes: list
    seeds: int
    epochs: int
    out: str
    lstm_grid: dict = None
    log: object = print
    verbose: int = 0
    settings: dict = dataclasses.field(default_factory=dict)

    @property
    def runs_dir(self):
        return os.path.join(self.out, self.kind)

    def candidates(self, name):
        """The settings of a model's seed-0 runs (the grid for the LSTM)."""
        defaults = models.spec(name).defaults
        own = {"epochs": self.epochs, **{
            k: v for k, v in self.settings.items() if k in defaults}}
        if name == "lstm" and self.lstm_grid:
            keys = sorted(self.lstm_grid)
            return [{**own, **dict(zip(keys, values))} for values in
                    itertools.product(*(self.lstm_grid[k] for k in keys))]
        return [own]

    def _plan(self, name, size, settings, seed):
        if self.kind == "lag":
            return measure.lag_plan(name, size, settings, seed,
                                    self.runs_dir, self.task)[0]
        if self.kind == "content":
            return measure.content_plan(name, settings, seed, self.runs_dir,
                                        self.task)[0]
        return measure.taylor_plan(name, size, settings, seed, self.runs_dir,
                                   self.task)[0]

    def check(self):
        """Plan every run (seed 0): bad settings or data fail here."""
        for name in self.models:
            for size in self.sizes:
                for settings in self.candidates(name):
                    self._plan(name, size, settings, 0)

    def _measure(self, name, size, settings, seed):
        if self.kind == "lag":
            return measure.recall_run(
                name, size, settings["epochs"], self.runs_dir, seed,
                settings, self.log, self.task, self.verbose)
        if self.kind == "content":
            return measure.content_run(name, settings, seed, self.runs_dir,
                                       self.task, self.log, self.verbose)
        return measure.taylor_run(name, size, settings, seed, self.runs_dir,
                                  self.task, self.log, self.verbose)

    def _cost(self, size, settings):
        """Relative cost of a run: windows x window length x epochs."""
        steps = self.task.window if self.kind == "content" else size
        return steps * settings["epochs"]

    def run(self):
        """Every model at every size and seed, then the peers."""
        jobs = []
        for name in self.models:
            for size in self.sizes:
                grid = self.candidates(name)
                jobs += [(name, size, s, 0) for s in grid]
                jobs += [(name, size, None, seed)
                         for seed in range(1, self.seeds)]
        peers = self.peers()  # cheap, and the task's check
        progress = _Progress([self._cost(size, s or {"epochs": self.epochs})
                              for _, size, s, _ in jobs], self.log)
        rows, tuning, chosen = [], [], {}
        for i, (name, size, settings, seed) in enumerate(jobs):
            grid = self.candidates(name)
            settings = settings or {**grid[0], **chosen[name, size]}
            began = time.perf_counter()
            result = self._measure(name, size, settings, seed)
            tag = (f" lr={settings['lr']:g} epochs={settings['epochs']}"
                   if len(grid) > 1 else "")
            progress.done(i, time.perf_counter() - began,
                          result.get("reused", False),
                          f"{name} {LABELS[self.kind]}={size} seed {seed}"
                          f"{tag}: NMSE {_fmt(result['nmse'])}")
            # The epochs whose weights are kept (the best one's, where
            # the fit stops early).
            kept = result.get("best_epoch", settings["epochs"] - 1) + 1
            row = {"model": name, "x": size, "seed": seed,
                   "nmse": result["nmse"], "params": result["params"],
                   "epochs": kept, "lr": settings.get("lr")}
            if "bands" in result:
                row["bands"] = result["bands"]
            if seed == 0 and len(grid) > 1:
                score = result.get("val_nmse", result["nmse"])
                tuning.append({"model": name, "x": size, **settings,
                               "kept": kept, "score": score, "row": row})
                done = [t for t in tuning if (t["model"], t["x"]) == (
                    name, size)]
                if len(done) < len(grid):
                    continue
                best = min(done, key=lambda t: _key(t["score"]))
                best["chosen"] = True
                chosen[name, size] = {k: best[k] for k in self.lstm_grid}
                row = best["row"]
            elif seed == 0:
                chosen[name, size] = settings
            rows.append(row)
        for t in tuning:
            t.pop("row")
        return {"task": self.kind, "rows": rows, "peers": peers,
                "tuning": tuning, "epochs": self.epochs,
                "seeds": self.seeds, "models": self.models,
                "sizes": self.sizes, "floor": getattr(self.task, "floor",
                                                       None),
                "settings": dataclasses.asdict(self.task),
                "overrides": dict(self.settings)}

    def peers(self):
        """Rows of the least-squares AR, and seasonal naive on Taylor; on
        the content task also the reads that know the key
        (`peers.NearestKeyRead`, `peers.VQCacheCeiling` at `vqcache`'s
        number of codes, and with `vqrecall` at its heads and codes)."""
        rows = []
        for size in self.sizes:
            if self.kind == "lag":
                rows.append({"model": "least-squares AR", "x": size,
                             "nmse": measure.lag_ar(size, self.task)})
            elif self.kind == "content":
                scores = measure.content_ar(self.task)
                rows.append({"model": "least-squares AR", "x": size,
                             **scores})
                rows.append({"model": "nearest key (exact read)", "x": size,
                             **measure.content_ceiling(self.task)})
                codes = models.spec("vqcache").defaults["vocab_size"]
                rows.append({"model": f"hard-VQ cache ceiling, S={codes}",
                             "x": size, **measure.content_ceiling(
                                 self.task, codes)})
                if "vqrecall" in self.models:
                    rows += self._recall_ceiling(size)
            else:
                scores = measure.taylor_peers(size, self.task)
                rows.append({"model": "seasonal naive (a week back)",
                             "x": size, "nmse": scores["seasonal naive"]})
                rows.append({"model": "least-squares AR", "x": size,
                             "nmse": scores["ar"],
                             "ridge": scores["ar_ridge"]})
            self.log(f"peers at {LABELS[self.kind]}={size}: " + ", ".join(
                f"{r['model']} {_fmt(r['nmse'])}" for r in rows
                if r["x"] == size))
        return rows

    def _recall_ceiling(self, size):
        """The hard-VQ ceiling at `vqrecall`'s heads and codes: one row,
        or none (logged) where the task has fewer training keys than
        codes to draw."""
        heads, codes, key = recall_codes(self.settings)
        name = f"hard-VQ cache ceiling, {heads} x {codes}"
        scores, reason = measure.content_ceilings(self.task, codes, heads, 1,
                                                  key)
        if reason:
            self.log(f"no {name!r} row: {reason}")
            return []
        return [{"model": name, "x": size, **scores[0]}]


def _key(value):
    return float("inf") if value is None or value != value else value


def _fmt(value):
    return "nan" if value is None else f"{value:.4f}"


class _Progress:
    """One line per run: what ran, its time, and the time left at the pace
    of the runs trained so far (cost: window length x epochs)."""

    def __init__(self, costs, log):
        self.costs, self.log = costs, log
        self.seconds, self.units = 0.0, 0.0

    def done(self, i, seconds, reused, what):
        if not reused:
            self.seconds += seconds
            self.units += self.costs[i]
        left = sum(self.costs[i + 1:])
        if self.units and left:
            eta = f"about {self.seconds / self.units * left / 60:.0f} min left"
        else:
            eta = "done" if not left else "no estimate yet"
        took = "reused" if reused else f"{seconds:.0f} s"
        self.log(f"[{i + 1}/{len(self.costs)}] {what} ({took}; {eta})")
