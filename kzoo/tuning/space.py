"""The search space of the reference's sweeps."""

from kzoo import models

SPACE = {
    "lr": [3e-3, 1e-3, 5e-4, 3e-4, 1e-4],
    "time_steps": [64, 96, 112, 128],
    "vocab_size": [32, 64, 128, 256, 512],
    "d_model": [8, 16, 32, 64],
    "n_head": [1, 2, 4, 8, 16],
    "pe": ["none", "randn", "sin", "rope"],
    "order": ["inc", "dec"],
    "codebook": ["soft", "hard"],
}

# Method-1 models have one head by construction; only the product and
# hierarchy families search it.
_FIXED_HEADS = ("vqmlp", "vqlnmlp", "vqlnpemlp", "cachevq")


def family_space(model, overrides=None):
    """The hyperparameters `model` uses, each with its list of values.

    `overrides` replaces the values of some keys; an empty list, a key the
    model does not use or a value the model refuses raises `ValueError`.
    """
    defaults = models.spec(model).defaults
    space = {k: list(v) for k, v in SPACE.items() if k in defaults}
    if model in _FIXED_HEADS:
        space.pop("n_head", None)
    for key, values in (overrides or {}).items():
        if key not in defaults:
            raise ValueError(
                f"{model} has no hyperparameter {key}; valid: "
                f"{', '.join(sorted(space))}"
            )
        values = list(values)
        if not values:
            raise ValueError(f"the range of {key} is empty")
        for value in values:
            models.spec(model).hparams(**{key: value})  # validates the value
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
