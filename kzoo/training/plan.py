"""Planning a run: its hyperparameters, name and staging directory.

A run is planned first (`plan_run`: hyperparameters validated, the model
built once to let its layers check every value, nothing written), then
executed (`kzoo.training.execute`).
"""

import dataclasses
import hashlib
import os

import keras
import numpy as np

from kzoo import models
from kzoo.data import DataError
from kzoo.data import ZScore
from kzoo.data import check_length
from kzoo.data import split_indices
from kzoo.eval.run_dir import PARTIAL_PREFIX
from kzoo.layers import ridge_codebook
from kzoo.layers.checks import MAX_INT32
from kzoo.layers.checks import check_int
from kzoo.models import history
from kzoo.storage import digest
from kzoo.storage import jsonable


@dataclasses.dataclass
class Plan:
    """A validated run that has not started."""

    model: str
    hparams: dict
    dataset: str
    dataset_name: str
    split: str
    seed: int
    out: str
    name: str
    target: str
    data_sha1: str = ""
    encoding: str = None

    def config(self):
        """What defines the run (and its `key`): model, data, backend."""
        config = {
            "model": self.model,
            "hparams": jsonable(self.hparams),
            "dataset": self.dataset,
            "dataset_name": self.dataset_name,
            "data_sha1": self.data_sha1,
            "split": self.split,
            "seed": self.seed,
            "target": self.target,
            "backend": keras.backend.backend(),
        }
        if self.encoding:
            config["dataset_encoding"] = self.encoding
        return config

    def key(self):
        return digest(self.config())

    def keys(self):
        """This run's key, then the keys a run of the same model recorded
        before settings were added to it holds (`kzoo.models.history`)."""
        config = self.config()
        return [digest({**config, "hparams": jsonable(form)})
                for form in history.earlier_forms(self.hparams)]

    @property
    def staging_dir(self):
        """`OUT/<name>/.partial-<key>`: an unfinished run's directory,
        under an earlier key where one was started before the settings
        of `keys()` were added (it resumes there)."""
        folders = [os.path.join(self.out, self.name, PARTIAL_PREFIX + key)
                   for key in self.keys()]
        return next((f for f in folders if os.path.isdir(f)), folders[0])


# Hyperparameters named in a run name when they differ from the model's
# defaults: key -> tag.
_TAGS = (("units", "u"), ("layers", "l"), ("patch", "p"), ("n_mix", "mix"),
         ("key", "key"), ("levels", "lv"))


def run_name(model, hparams, dataset_name, split="random"):
    """The reference's run naming, e.g. `vqlnpemlp_vs512_dm32_y_w_ts96_lr0.007`.

    Hyperparameters that define the model appear when the model has them;
    those that differ from the model's defaults are added (`nh`, `pe`,
    `hard`, `train`, `bs`, `chrono`).
    """
    defaults = models.spec(model).defaults
    parts = [model]
    hp = hparams
    if "sizes" in hp:
        parts.append("sz" + "-".join(str(s) for s in hp["sizes"]))
        parts.append(hp["order"])
    elif "vocab_size" in hp:
        parts.append(f"vs{hp['vocab_size']}")
    if "d_model" in hp:
        parts.append(f"dm{hp['d_model']}")
    if hp.get("n_head", 1) > 1:
        parts.append(f"nh{hp['n_head']}")
    for key, tag in _TAGS:
        if key in hp and hp[key] != defaults[key]:
            parts.append(f"{tag}{hp[key]}")
    if "pe" in hp and hp["pe"] != defaults["pe"]:
        parts.append(f"pe{hp['pe']}")
    if hp.get("residual") != defaults.get("residual"):
        parts.append("res" if hp.get("residual") else "nores")
    if hp.get("read") == "hard":
        parts.append("hard")
    if hp.get("train_codebook"):
        parts.append("train")
    parts += [dataset_name, f"ts{hp['time_steps']}", f"lr{float(hp['lr'])!r}"]
    if hp["batch_size"] != defaults["batch_size"]:
        parts.append(f"bs{hp['batch_size']}")
    if split != "random":
        parts.append(split)
    return "_".join(parts)


def plan_run(model, overrides, series, split="random", seed=0, out="runs"):
    """Validate a run without side effects; `ValueError` names the problem."""
    model_spec = models.spec(model)
    hparams = model_spec.hparams(**overrides)
    check_length(len(series.values), hparams["time_steps"])
    count = len(series.values) - hparams["time_steps"]
    train, val = split_indices(count, hparams["time_steps"], split)
    if len(train) < 1 or len(val) < 1:
        raise DataError(
            f"the series has {len(series.values)} values: too short for a "
            f"{split} split with time_steps={hparams['time_steps']}"
        )
    check_int("seed", seed, minimum=0)
    if "loss_positions" in hparams:
        check_int("loss_positions", hparams["loss_positions"], minimum=0,
                  maximum=hparams["time_steps"])
    plan = Plan(
        model=model,
        hparams=hparams,
        dataset=series.spec,
        dataset_name=series.name,
        split=split,
        seed=seed,
        out=out,
        name=run_name(model, hparams, series.name, split),
        target=model_spec.target,
        data_sha1=data_fingerprint(series.values),
        encoding=series.encoding,
    )
    _check_table_memory(hparams)
    if model_spec.solved:  # a RidgeCodebook, solved on the windows
        _check_ridge(model, hparams, len(train))
    ZScore.fit(series.values)  # a constant series: refused before training
    build_model(plan)  # The layers check every value that builds the model.
    return plan


def available_memory():
    """Bytes of memory available to a new allocation (Linux), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _check_table_memory(hparams):
    """`DataError` before building tables that would not fit in memory.

    A codebook's tables hold `rows x d_model` float32 values (a flat table
    `vocab_size` rows, a product one `n_head` tables of `d_model / n_head`
    columns: the same total, a hierarchy `sum(sizes)` rows). Building a
    model allocates them at once; an allocation beyond the machine's memory
    would be killed by the system without a word.
    """
    if "d_model" not in hparams:
        return
    if "vocab_size" in hparams:  # the layers' own check, before any size
        check_int("vocab_size", hparams["vocab_size"], maximum=MAX_INT32)
    rows = sum(hparams["sizes"]) if "sizes" in hparams else hparams.get(
        "vocab_size", 0)
    need = 4 * rows * hparams["d_model"]
    free = available_memory()
    if free and need > free / 2:
        raise DataError(
            f"the codebook tables need {need / 2**30:.3g} GiB, more than half "
            f"of the {free / 2**30:.3g} GiB of memory available; use a smaller "
            "--vocab-size, or product codebooks (--n-head)"
        )


def _check_ridge(model, hparams, n_train):
    """`UsageError`/`DataError` before solving a table that cannot be.

    Its rows are drawn from the training windows (at most that many), and
    the solve holds matrices of `windows x rows` values.
    """
    check_int("vocab_size", hparams["vocab_size"], maximum=MAX_INT32)
    ridge_codebook.check_rows(hparams["vocab_size"], n_train, model)
    # vqseasonal's regressors: distinct offsets, at most the window's.
    regressors = hparams.get("n_lags", hparams["time_steps"])
    need = ridge_codebook.solve_bytes(hparams["vocab_size"], regressors,
                                      n_train)
    free = available_memory()
    if free and need > free / 2:
        raise DataError(
            f"solving {model}'s codebook needs {need / 2**30:.3g} GiB, more "
            f"than half of the {free / 2**30:.3g} GiB of memory available; "
            "use a smaller --vocab-size"
        )


def data_fingerprint(values):
    """SHA-1 of the values: an edited file makes a different run."""
    array = np.ascontiguousarray(np.asarray(values, np.float64))
    return hashlib.sha1(array.tobytes()).hexdigest()[:16]


def build_model(plan):
    """The (uncompiled) model of a plan."""
    return models.build(plan.model, **plan.hparams)
