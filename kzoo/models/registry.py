"""The model registry: names, builders, targets and default hyperparameters."""

import dataclasses

from kzoo.errors import UsageError
from kzoo.layers.checks import check_choice
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.models import builders
from kzoo.models import time_cache


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How to build and train one named model.

    Attributes:
        builder: function returning an uncompiled model.
        target: `"aligned"` (every position predicts the next value) or
            `"last"` (the value after the window).
        defaults: every tunable hyperparameter with its default; the keys
            are the only hyperparameters the model accepts. `time_steps`,
            `lr`, `batch_size` and `epochs` are training settings.
        fixed: builder arguments that define the model and cannot change.
        description: one line for `--help`.
        solved: the model is fitted in closed form (its layers' `solve`),
            not by gradient: the learning rate and the other gradient
            settings do nothing (`epochs` defaults to 0).
    """

    builder: object
    target: str
    defaults: dict
    fixed: dict = dataclasses.field(default_factory=dict)
    description: str = ""
    solved: bool = False

    def hparams(self, **overrides):
        """Defaults updated with `overrides`; `ValueError` on unknown keys.

        Only the training settings are checked here; the layers check the
        values that build the model (see `build`).
        """
        unknown = sorted(set(overrides) - set(self.defaults))
        if unknown:
            raise UsageError(
                f"unknown hyperparameter(s) {', '.join(unknown)}; valid: "
                f"{', '.join(sorted(self.defaults))}"
            )
        values = {**self.defaults, **overrides}
        check_training(values)
        return values


SCHEDULES = ("constant", "cosine", "plateau")


def check_training(values):
    """`ValueError` naming the first training setting with a bad value."""
    for key in ("time_steps", "batch_size"):
        check_int(key, values[key])
    check_int("epochs", values["epochs"], minimum=0)
    check_number("lr", values["lr"], minimum=0)
    check_int("patience", values["patience"], minimum=0)
    check_choice("schedule", values["schedule"], SCHEDULES)
    check_int("rollout", values["rollout"], minimum=0)
    if "noise" in values:  # Keras's message would not name the setting
        check_number("noise", values["noise"], minimum=0, strict=False,
                     maximum=builders.MAX_NOISE)


# Settings of the fit, not of the model the builders make.
TRAINING_KEYS = ("time_steps", "lr", "batch_size", "epochs", "patience",
                 "schedule", "rollout", "loss_positions")
# The reference's training: final weights, a constant learning rate.
REFERENCE_TRAINING = {"epochs": 50, "patience": 0, "schedule": "constant",
                      "rollout": 0}


def _train(time_steps, lr, batch_size, **training):
    return {"time_steps": time_steps, "lr": lr, "batch_size": batch_size,
            **REFERENCE_TRAINING, **training}


def _forecast(**options):
    """The forecasting options every neural model has (off: the reference)."""
    return {"change": False, "revin": False, "noise": 0.0, "ar_order": 0,
            **options}


def _codebook(vocab_size, d_model, **extra):
    return {"vocab_size": vocab_size, "d_model": d_model, "read": "soft",
            "train_codebook": False, "read_chunk": None, **extra}


# The reference's per-token codebook models (flat, product and hierarchy
# tables alike) train as the reference does: ts 96, lr 7e-3, batch 32.
_PER_TOKEN = {**_train(96, 7e-3, 32), **_forecast()}
# kzoo's own training, the one name for it: kzoo's own models (mixers,
# caches, linear) train this way by default, and the forecast benchmarks
# and the study train every neural model this way: the best validation
# epoch's weights and a cosine schedule (forecasting the level: `change`
# and `revin` measured worse, `recipes/forecast.py --ablation`).
KZOO_TRAINING = {"epochs": 100, "patience": 20, "schedule": "cosine"}
_MIX = {**_train(112, 3e-3, 32, **KZOO_TRAINING), **_forecast(), "patch": 16,
        "n_mix": 2, "residual": False}
_SPECS = {
    "lstm": ModelSpec(
        builders.build_lstm, "last",
        {**_train(112, 5e-4, 64), **_forecast(), "units": 64, "layers": 2},
        description="reference lstm_linear1: 2 x LSTM(64), Dense(1) on the "
        "last step",
    ),
    "vqmlp": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(32, 8, pe="none")},
        {"method": "flat", "layer_norm": False},
        "Dense encoder, soft read of a frozen N(0,1) codebook, Dense decoder",
    ),
    "vqlnmlp": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(32, 8, pe="none")},
        {"method": "flat", "layer_norm": True},
        "vqmlp with LayerNorm before the read",
    ),
    "vqlnpemlp": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(512, 32, pe="randn")},
        {"method": "flat", "layer_norm": True},
        "vqlnmlp with the fixed 0.01*randn positional encoding",
    ),
    "mhvqlnmlp": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(32, 16, n_head=2, pe="none")},
        {"method": "product", "layer_norm": True},
        "product codebooks (method 2), per-head LayerNorm",
    ),
    "mhvqlnpemlp": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(32, 16, n_head=2, pe="randn")},
        {"method": "product", "layer_norm": True},
        "mhvqlnmlp with the 0.01*randn positional encoding",
    ),
    "cachevq": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(32, 32, sizes=(32, 128, 512), order="inc",
                               pe="none")},
        {"method": "hierarchy", "layer_norm": True, "n_head": 1},
        "cache-hierarchy codebook (method 3)",
    ),
    "mhcachevq": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_PER_TOKEN, **_codebook(32, 32, n_head=2, sizes=(32, 128, 512),
                               order="inc", pe="none")},
        {"method": "hierarchy", "layer_norm": True},
        "cache hierarchy of product codebooks (method 2+3)",
    ),
    # Time mixing (issue: long-term memory): every codebook method.
    "vqmixer": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_MIX, **_codebook(256, 32, pe="none")},
        {"method": "flat", "layer_norm": True},
        "flat codebook read by queries that carry context: delay embedding "
        "and causal token-mixing MLPs (TSMixer-style)",
    ),
    "mhvqmixer": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_MIX, **_codebook(32, 32, n_head=2, pe="none")},
        {"method": "product", "layer_norm": True},
        "vqmixer with product codebooks (method 2)",
    ),
    "cachevqmixer": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_MIX, **_codebook(32, 32, sizes=(32, 128, 512), order="inc",
                              pe="none")},
        {"method": "hierarchy", "layer_norm": True, "n_head": 1},
        "vqmixer with the cache hierarchy (method 3)",
    ),
    "mhcachevqmixer": ModelSpec(
        builders.build_codebook_mlp, "aligned",
        {**_MIX, **_codebook(32, 32, n_head=2, sizes=(32, 128, 512),
                              order="inc", pe="none")},
        {"method": "hierarchy", "layer_norm": True},
        "vqmixer with a hierarchy of product codebooks (method 2+3)",
    ),
    # Solved in closed form (training settings but time_steps unused).
    # Defaults: the best val_mse_next on Mackey-Glass's validation part,
    # vocab_size 1000/1400 x temperature 0.6/0.8/1 x ridge 1e-12/1e-10 x
    # n_lags 8/10 x delay 3/4 (1400 a little better, 1000 fits more).
    "vqridge": ModelSpec(
        builders.build_ridge_codebook, "last",
        {**_train(40, 1e-3, 32, epochs=0), "vocab_size": 1000,
         "n_lags": 10, "delay": 4, "temperature": 0.8, "ridge": 1e-12},
        description="soft read of a codebook of past delay vectors, values "
        "solved by ridge regression (a normalised RBF network, no gradient)",
        solved=True,
    ),
    # Defaults: the best validation score on Taylor's training windows,
    # temperature 0.3/0.6/1 x ridge 1e-4/1e-2/1 (100 rows, T = 48-1344).
    "vqseasonal": ModelSpec(
        builders.build_seasonal_ridge_codebook, "last",
        {**_train(672, 1e-3, 32, epochs=0), "vocab_size": 100,
         "period": 48, "long_period": 336, "recent": 8, "spread": 2,
         "temperature": 0.6, "ridge": 1e-4},
        description="vqridge for long seasonal windows: a codebook of the "
        "last values, a period and a long period back, beside a ridge read "
        "of the values near every multiple of the period",
        solved=True,
    ),
    "persistence": ModelSpec(
        builders.build_persistence, "aligned", _train(96, 1e-3, 32),
        description="baseline: repeats the last value (nothing to fit)",
    ),
    "linear": ModelSpec(
        builders.build_linear, "last",
        {**_train(96, 1e-3, 32, **KZOO_TRAINING), **_forecast()},
        description="baseline: one Dense over the window",
    ),
}


# Caches over time (issue 23): Transformer-VQ + convolution; code matches.
_TIME = {**_train(256, 2e-3, 32, **KZOO_TRAINING), **_forecast(),
         "d_model": 32, "layers": 2, "loss_positions": 0}
_CACHE = {**_TIME, "vocab_size": 64, "block_size": 32, "patch": 8,
          "cache": True, "convolution": True, "conv_norm": False, "key_lag": 0}
_SPECS["vqcache"] = ModelSpec(
    time_cache.build_vqcache, "aligned", {**_CACHE, "n_head": 1},
    description="Transformer-VQ attention over the past (per-code cache, "
    "linear in T), a causal FFT convolution, delay embedding")
_SPECS["mhvqcache"] = ModelSpec(
    time_cache.build_vqcache, "aligned", {**_CACHE, "n_head": 4},
    description="vqcache with product-code heads (method 2)")
_SPECS["vqrecall"] = ModelSpec(
    time_cache.build_vqrecall, "aligned",
    {**_TIME, "key": 8, "n_head": 4, "levels": 128},
    description="content recall by code matches (4 x 16384 codes), an MLP")


def available():
    """Sorted names of every registered model."""
    return sorted(_SPECS)


def check_settings(settings, names, extra=(), refused=None):
    """`UsageError` for a `--set` key that no model of `names` has.

    `extra`: keys valid beyond the models' own (a protocol's `split`);
    `refused`: `{key: reason}` of keys the caller sets itself.
    """
    refused = refused or {}
    valid = set(extra).union(*(spec(n).defaults for n in names))
    valid -= set(refused)
    clash = sorted(set(settings) & set(refused))
    if clash:
        raise UsageError(f"--set {clash[0]}: {refused[clash[0]]}; valid: "
                         f"{', '.join(sorted(valid))}")
    unknown = sorted(set(settings) - valid)
    if unknown:
        raise UsageError(
            f"unknown --set key(s) {', '.join(unknown)}: no model here has "
            f"them; valid: {', '.join(sorted(valid))}")


def spec(name):
    """The `ModelSpec` of `name`; `ValueError` listing the valid names."""
    if name not in _SPECS:
        raise UsageError(f"unknown model {name!r}; valid: "
                         f"{', '.join(available())}")
    return _SPECS[name]


def build(name, **hparams):
    """Build model `name` (uncompiled) with hyperparameters over defaults.

    Training settings (`lr`, `batch_size`, `epochs`, `patience`,
    `schedule`) are accepted and ignored here; `time_steps` fixes the input
    length (models other than `linear` also run on other lengths when
    built with `time_steps=None`).
    """
    model_spec = spec(name)
    values = model_spec.hparams(**hparams)
    kwargs = {k: v for k, v in values.items()
              if k not in TRAINING_KEYS or k == "time_steps"}
    if "vocab_size" in kwargs and (kwargs.get("pe") in ("randn", "learned")
                                   or kwargs.get("n_mix")):
        kwargs.setdefault("max_length", kwargs["time_steps"])
    return model_spec.builder(name=name, **model_spec.fixed, **kwargs)


def defaults_of(key):
    """`{default: [model names]}` over the models that have `key`."""
    groups = {}
    for name in available():
        defaults = _SPECS[name].defaults
        if key in defaults:
            value = defaults[key]
            value = tuple(value) if isinstance(value, list) else value
            groups.setdefault(value, []).append(name)
    return groups
