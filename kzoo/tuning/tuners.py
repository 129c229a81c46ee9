"""KerasTuner tuners for kzoo searches, local or distributed."""

import keras_tuner

from kzoo.errors import UsageError
from kzoo.layers.checks import check_int
from kzoo.tuning import distributed
from kzoo.tuning.hypermodel import OBJECTIVE

TUNERS = ("random", "bayesian", "hyperband")


class DistributedMixin:
    """A KerasTuner tuner's distributed roles, made robust to lost workers.

    Chief: the oracle loop of `kzoo.tuning.distributed.serve` (a silent
    worker's trial requeued). Worker: heartbeats during trials. Neither:
    the tuner's own `search`. Mixed in before the tuner class.
    """

    worker_timeout = 300.0
    heartbeat_interval = 5.0

    def set_worker_timeout(self, seconds):
        """Chief: requeue the trial of a worker silent `seconds`; worker:
        beat often enough (every process gets the same command line) that
        a busy machine cannot make a live worker look silent."""
        self.worker_timeout = seconds
        self.heartbeat_interval = min(5.0, seconds / 4)

    def search(self, *args, **kwargs):
        if distributed.role() == "chief":
            self.save()
            self.lost_workers = distributed.serve(
                self.oracle, worker_timeout=self.worker_timeout)
            return
        return super().search(*args, **kwargs)

    def run_trial(self, trial, *args, **kwargs):
        if distributed.role() != "worker":
            return super().run_trial(trial, *args, **kwargs)
        with distributed.Heartbeat(self.oracle, trial.trial_id,
                                   self.heartbeat_interval):
            return super().run_trial(trial, *args, **kwargs)


class RandomSearch(DistributedMixin, keras_tuner.RandomSearch):
    pass


class BayesianOptimization(DistributedMixin, keras_tuner.BayesianOptimization):
    pass


class Hyperband(DistributedMixin, keras_tuner.Hyperband):
    pass


def make_tuner(kind, hypermodel, max_trials, directory, project_name,
               seed=0, epochs=50, worker_timeout=300.0):
    """A tuner minimising `val_mse_next`; resumes an existing project.

    `hyperband` sizes itself from `epochs` (its `max_epochs`) and does not
    use `max_trials`.
    """
    if kind not in TUNERS:
        raise UsageError(f"unknown tuner {kind!r}; valid: {', '.join(TUNERS)}")
    check_int("max_trials", max_trials)
    objective = keras_tuner.Objective(OBJECTIVE, direction="min")
    common = dict(objective=objective, seed=seed, directory=directory,
                  project_name=project_name, overwrite=False)
    if kind == "random":
        tuner = RandomSearch(hypermodel, max_trials=max_trials, **common)
    elif kind == "bayesian":
        tuner = BayesianOptimization(hypermodel, max_trials=max_trials,
                                     **common)
    else:
        tuner = Hyperband(hypermodel, max_epochs=max(epochs, 2), **common)
    tuner.set_worker_timeout(worker_timeout)
    return tuner
