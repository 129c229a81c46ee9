"""A KerasTuner HyperModel per kzoo model family."""

import os

import keras_tuner

from kzoo import backend as kzoo_backend
from kzoo import models
from kzoo import training
from kzoo.tuning.space import family_space
from kzoo.tuning.space import fit_heads

OBJECTIVE = "val_mse_next"


class KzooHyperModel(keras_tuner.HyperModel):
    """Searches one model family; every trial is a normal kzoo run.

    `build(hp)` draws the family's hyperparameters (`family_space`) and
    builds the model; `fit(hp, model, ...)` rebuilds the windows for the
    trial's `time_steps` and trains through `kzoo.training.execute`, so each
    trial writes `OUT/<name>/<timestamp>/` that `recipes/predict.py` and
    `recipes/report.py` read. The objective is `val_mse_next` (minimised),
    comparable across window lengths.

    Args:
        model: registered model name.
        series: the `kzoo.data.Series` to fit.
        out: root of the run directories.
        epochs: epochs per trial.
        split: "random" or "chrono".
        seed: seed of every trial.
        space: overrides of the search ranges (`family_space`).
        verbose: `fit()` verbosity of each trial.
    """

    def __init__(self, model, series, out, epochs=50, split="random", seed=0,
                 space=None, verbose=0):
        super().__init__(name=model)
        self.model_name = model
        self.series = series
        self.out = out
        self.epochs = epochs
        self.split = split
        self.seed = seed
        self.space = family_space(model, space)
        self.verbose = verbose
        # Every window length must fit the series before any trial starts.
        default = models.spec(model).defaults["time_steps"]
        for steps in self.space.get("time_steps", [default]):
            training.plan_run(model, {"time_steps": steps}, series, split,
                              seed, out)

    def values(self, hp):
        drawn = {key: hp.Choice(key, values)
                 for key, values in self.space.items()}
        return fit_heads({**drawn, "epochs": self.epochs})

    def _plan(self, hp):
        return training.plan_run(self.model_name, self.values(hp), self.series,
                                 self.split, self.seed, self.out)

    def build(self, hp):
        plan = self._plan(hp)
        kzoo_backend.set_random_seed(self.seed)
        return training.build_model(plan)

    def fit(self, hp, model, *args, callbacks=None, **kwargs):
        plan = self._plan(hp)
        fit_kwargs = {}
        if "initial_epoch" in kwargs:  # Hyperband continues earlier trials
            fit_kwargs["initial_epoch"] = kwargs["initial_epoch"]
        if "epochs" in kwargs:
            plan.hparams["epochs"] = kwargs["epochs"]
        tuner = {"tuner_id": os.environ.get("KERASTUNER_TUNER_ID", "local")}
        metrics = training.execute(
            plan, self.series, verbose=self.verbose, model=model,
            callbacks=list(callbacks or []), fit_kwargs=fit_kwargs,
            extra_config=tuner,
        )
        return {OBJECTIVE: metrics[OBJECTIVE], "val_loss": metrics["val_loss"]}
