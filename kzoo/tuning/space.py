"""The search space of the reference's sweeps."""

from kzoo import models
from kzoo.errors import UsageError
from kzoo.models.hparams import HYPERPARAMETERS

SPACE = {
    "lr": [3e-3, 1e-3, 5e-4, 3e-4, 1e-4],
    "time_steps": [64, 96, 112, 128],
    "vocab_size": [32, 64, 128, 256, 512],
    "d_model": [8, 16, 32, 64],
    "n_head": [1, 2, 4, 8, 16],
    # Every encoding but the learned one (the reference's sweep).
    "pe": [pe for pe in HYPERPARAMETERS["pe"].choices if pe != "learned"],
    "order": list(HYPERPARAMETERS["order"].choices),
    "read": list(HYPERPARAMETERS["read"].choices),
    # vqridge's read and solve (kzoo's own; the reference has no such model).
    "temperature": [0.3, 0.5, 0.8, 1.2],
    # 1e-12 suits Mackey-Glass's smooth series, 10 the noisy reference one.
    "ridge": [1e-12, 1e-10, 1e-8, 1e-6, 1e-3, 1e-1, 1.0, 10.0],
}
# Settings of gradient training, not searched for a model solved in closed
# form (`ModelSpec.solved`: nothing would change).
GRADIENT_ONLY = ("lr",)


def family_space(model, overrides=None):
    """The hyperparameters `model` uses, each with its list of values.

    `overrides` replaces the values of some keys; an empty list, a key the
    model does not use or a value the model refuses raises `ValueError`
    (the model is built with each value: its layers check them).
    """
    spec = models.spec(model)
    defaults = spec.defaults
    space = {k: list(v) for k, v in SPACE.items() if k in defaults
             and not (spec.solved and k in GRADIENT_ONLY)}
    for key, values in (overrides or {}).items():
        if key not in defaults:
            raise UsageError(
                f"{model} has no hyperparameter {key}; valid: "
                f"{', '.join(sorted(space))}"
            )
        values = list(values)
        if not values:
            raise UsageError(f"the range of {key} is empty")
        for value in values:
            models.build(model, **fit_heads({key: value}))
        space[key] = values
    return space


def fit_heads(values):
    """Clamp `n_head` to the largest power of two dividing `d_model`.

    The grid's `n_head` and `d_model` are drawn independently; a head
    count that does not divide the width is reduced (16 heads of a width-8
    model become 8). The run records the value actually used.
    """
    if "n_head" in values and "d_model" in values:
        heads = values["n_head"]
        while values["d_model"] % heads:
            heads //= 2
        values["n_head"] = max(heads, 1)
    return values
