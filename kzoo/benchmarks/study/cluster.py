"""The study's cells spread over several machines by KerasTuner's oracle.

With KerasTuner's distributed variables set (`KERASTUNER_TUNER_ID`,
`KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT`), the same study command
runs as the chief or as a worker:

- the chief serves the cells not yet measured, one trial per cell, through
  KerasTuner's gRPC oracle (`kzoo.tuning.distributed.serve`: a worker
  silent for `worker_timeout` seconds has its cell handed to another),
  waits until every cell is done, then writes the tables and plots;
- each worker asks for a cell, measures it exactly as the local study does
  (its result in `OUT/cells/`, under the cell's lock), and asks again until
  none is left.

Results travel through `OUT`, not through the oracle: every process must
be given the same command, `--out` a folder they all share (a network file
system). A worker checks that the chief serves its own plan (a digest of
every cell's key), and stops with one line if not.

Resumable: a chief started again serves only the cells that are still not
final (missing, failed, skipped under another limit); its oracle's state
lives in `OUT/.cluster/`.
"""

import hashlib
import json
import os

import keras_tuner
from keras_tuner.engine import base_tuner

from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import reuse
from kzoo.errors import UsageError
from kzoo.tuning import distributed
from kzoo.tuning.tuners import DistributedMixin

OBJECTIVE = "measured"  # 1 for a cell measured, 0 for one that failed


def cell_name(path):
    """`OUT/cells/mixer_flat_32.json` -> `mixer_flat_32`."""
    return os.path.splitext(os.path.basename(path))[0]


def plan_digest(jobs):
    """A digest of what every cell of the plan measures (its key and time
    limit), the same on every machine given the same command."""
    plan = [[cell_name(path), measure.result_key(config),
             config.get("limit_s")] for path, config, _ in jobs]
    text = json.dumps(plan, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class CellOracle(keras_tuner.Oracle):
    """Hands out each of `cells` once, in order, as the hyperparameter
    `cell` (with the plan's digest as `plan`); a requeued cell (a lost
    worker's) goes first."""

    def __init__(self, cells, digest, log=None):
        space = keras_tuner.HyperParameters()
        space.Choice("cell", list(cells))
        space.Fixed("plan", digest)
        super().__init__(
            objective=keras_tuner.Objective(OBJECTIVE, direction="max"),
            max_trials=len(cells), hyperparameters=space)
        self.cells = list(cells)
        self.digest = digest
        self.log = log or (lambda *a: None)
        self.verbose = 0  # the chief logs its own lines

    def populate_space(self, trial_id):
        given = {trial.hyperparameters.values.get("cell")
                 for trial in self.trials.values()}
        for cell in self.cells:
            if cell not in given:
                return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING,
                        "values": {"cell": cell, "plan": self.digest}}
        return {"status": keras_tuner.engine.trial.TrialStatus.STOPPED,
                "values": None}

    def create_trial(self, tuner_id):
        trial = super().create_trial(tuner_id)
        cell = trial.hyperparameters.values.get("cell")
        if cell is not None and trial.status == "RUNNING":
            self.log(f"chief: {cell} to {tuner_id}")
        return trial

    def end_trial(self, trial):
        super().end_trial(trial)
        done = sum(t.status == "COMPLETED" for t in self.trials.values())
        self.log(f"chief: {trial.hyperparameters.values.get('cell')} "
                 f"{trial.status.lower()} ({done}/{len(self.cells)} done)")


class _Fatal(keras_tuner.errors.FatalError):
    """Carries an error out of KerasTuner's trial loop, which would record
    any other exception in the trial and go on with the next."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class _CellRunner(base_tuner.BaseTuner):
    def __init__(self, jobs, measure_one, digest, **kwargs):
        super().__init__(**kwargs)
        self.jobs = {cell_name(job[0]): job for job in jobs}
        self.measure_one = measure_one
        self.digest = digest

    def run_trial(self, trial):
        values = trial.hyperparameters.values
        try:
            if values.get("plan") != self.digest:
                raise UsageError(
                    "the chief serves another study than this worker's "
                    f"command (plan {values.get('plan')}, here "
                    f"{self.digest}): give every process the same command")
            cell = self.measure_one(self.jobs[values["cell"]])
        except Exception as error:
            raise _Fatal(error) from error
        return {OBJECTIVE: 0.0 if "failed" in cell else 1.0}

    def search(self):
        try:
            super().search()
        except _Fatal as fatal:
            raise fatal.error from None


class CellTuner(DistributedMixin, _CellRunner):
    """The study's cells as KerasTuner trials (chief or worker)."""


def measure_all(jobs, measure_one, report_one, folder, log,
                worker_timeout=300.0, oracle_timeout=60.0):
    """Measure `jobs` over the chief's workers.

    Args:
        jobs: the study's `(path, config, label)` cells.
        measure_one: `job -> cell`, measuring a cell (a worker).
        report_one: `job -> cell or None`, reading a cell's saved result
            (the chief, once the workers are done).
        folder: the oracle's folder (`OUT/.cluster`).
        worker_timeout, oracle_timeout: seconds (chief: requeue the cell of
            a worker silent this long; worker: wait this long for the
            chief).

    Returns:
        The chief: every job's cell, as `report_one` reads it. A worker:
        `None` (the chief writes the tables).
    """
    digest = plan_digest(jobs)
    names = [cell_name(path) for path, _, _ in jobs]
    if distributed.role() == "worker":
        distributed.wait_for_oracle(oracle_timeout)
        tuner = _tuner(jobs, measure_one, digest, names, folder,
                       "workers", log, worker_timeout)
        tuner.search()
        log(f"worker {tuner.tuner_id}: no cells left")
        return None
    pending = [name for name, (path, config, _) in zip(names, jobs)
               if not _final(path, config)]
    if pending:
        served = hashlib.sha256(
            " ".join([digest, *pending]).encode()).hexdigest()[:16]
        host, port = distributed.oracle_address()
        log(f"chief: serving {len(pending)} of {len(jobs)} cells on "
            f"{host}:{port} (plan {digest}); workers: the same command "
            "with KERASTUNER_TUNER_ID=tuner0, tuner1, ...")
        tuner = _tuner(jobs, measure_one, digest, pending, folder,
                       f"cells_{served}", log, worker_timeout)
        tuner.search()
    else:
        log(f"chief: all {len(jobs)} cells measured before; nothing to serve")
    results = [report_one(job) for job in jobs]
    missing = [name for name, (path, _, _) in zip(names, jobs)
               if not os.path.exists(path)]
    if missing:
        log(f"chief: {len(missing)} cells have no result in "
            f"{os.path.dirname(jobs[0][0])} ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}): the workers' --out must "
            "be this folder, on a file system they share")
    return results


def _final(path, config):
    cell, why = reuse.verdict(path, config)
    return cell is not None and why is None


def _tuner(jobs, measure_one, digest, cells, folder, project, log,
           worker_timeout):
    tuner = CellTuner(jobs, measure_one, digest,
                      oracle=CellOracle(cells, digest, log),
                      directory=folder, project_name=project)
    tuner.set_worker_timeout(worker_timeout)
    return tuner
