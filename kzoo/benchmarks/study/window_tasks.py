"""The study's window tasks: content-addressed recall and Taylor's demand.

Besides fixed-lag recall (`recall_curve`), the families that read a
window (mixer and cache) and the LSTM, their line, are measured on the
tasks of `design.WINDOW_TASKS` the study asks for (`recipes/study.py
--window-tasks`), each run a kzoo run under `OUT/runs/<task>` (reused
once finished):

- `content_nmse`: continue a segment seen earlier in the window
  (`kzoo.benchmarks.recall.tasks.ContentTask`), the NMSE at the scored
  positions of the validation part (`recall.measure.content_run`);
- `taylor_nmse`: half-hourly electricity demand
  (`tasks.TaylorTask`), the NMSE on the held-out two weeks, each value
  forecast from the true history before it (`recall.measure.taylor_run`).

Their peers (`peers`) are the lines every model must pass: the
least-squares AR on the window for both, and the value a week back on
Taylor.
"""

import functools
import json
import os

from kzoo.benchmarks.recall import measure as recall
from kzoo.benchmarks.recall import tasks
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import recall_curve
from kzoo.training.plan import data_fingerprint

#: The run field of each task's score.
FIELDS = {"content": "content_nmse", "taylor": "taylor_nmse"}


def plan(config):
    """`design.task_plan` of the cell's family (`window_tasks` and
    `window_task_overrides` of `config`), or `None`. The LSTM's: every
    task asked, at its reference settings, if one of its study's families
    reads a window."""
    names = config.get("window_tasks")
    overrides = config.get("window_task_overrides")
    if not config.get("reference"):
        return design.task_plan(config["family"], names, overrides)
    if not any(design.task_plan(family, names)
               for family in recall_curve.reference_families(config)):
        return None
    return design.task_plan(None, names, overrides)


def task_of(name, fields):
    """`(task object, size)` of a planned task: the content task and its
    window, or Taylor and the lookback."""
    if name == "content":
        task = tasks.ContentTask(**fields)
        return task, task.window
    fields = dict(fields)
    lookback = fields.pop("lookback")
    return tasks.TaylorTask(**fields), lookback


@functools.lru_cache(maxsize=None)
def _fingerprint(name, fields_json):
    task, _ = task_of(name, json.loads(fields_json))
    series = task.series() if name == "content" else task.series()[0]
    return data_fingerprint(series.values)


def keyed(chosen):
    """`chosen` (a `plan`) with each task's data SHA-1 (`data_sha1`): a
    change to a task's series changes the result's key."""
    if chosen is None:
        return None
    return {name: {**p, "data_sha1": _fingerprint(
        name, json.dumps(p["task"], sort_keys=True))}
        for name, p in chosen.items()}


def measure(name, settings, seed, config, log):
    """`{FIELDS[task]: NMSE}` for every task of the cell's plan. The
    plan's settings (the cache's learning rate) apply to the cells'
    models; the LSTM keeps its reference settings."""
    result = {}
    for task_name, chosen in plan(config).items():
        task, size = task_of(task_name, chosen["task"])
        run_settings = {**design.run_settings(settings, chosen["settings"]),
                        "epochs": chosen["epochs"]}
        out = os.path.join(config["out"], task_name)
        if task_name == "content":
            metrics = recall.content_run(name, run_settings, seed, out, task,
                                         log)
        else:
            metrics = recall.taylor_run(name, size, run_settings, seed, out,
                                        task, log)
        result[FIELDS[task_name]] = metrics["nmse"]
    return result


def peers(planned):
    """`{field: {label: NMSE}}` of the tasks `planned` (a `plan`, or
    `None`): the least-squares AR on each task's window and, on Taylor,
    the value a week back (nothing trained; seconds)."""
    lines = {}
    for task_name, chosen in (planned or {}).items():
        task, size = task_of(task_name, chosen["task"])
        if task_name == "content":
            lines[FIELDS[task_name]] = {
                "least-squares AR": recall.content_ar(task)["nmse"]}
        else:
            scores = recall.taylor_peers(size, task)
            lines[FIELDS[task_name]] = {
                "least-squares AR": scores["ar"],
                "seasonal naive (a week back)": scores["seasonal naive"]}
    return lines
