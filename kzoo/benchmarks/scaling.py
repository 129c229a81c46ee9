"""Flat against product codebooks as the effective vocabulary grows."""

import resource
import time

import keras
import numpy as np

from kzoo import backend as kzoo_backend
from kzoo.layers import Codebook
from kzoo.layers import ProductCodebook
from kzoo.models import Model


def plan(exponents, heads=(1, 2, 4)):
    """`(n_head, vocab_per_head, effective)` for each effective 2^k.

    With `n_head` heads each table has `round(2 ** (k / n_head))` rows,
    so the effective vocabulary is that to the power `n_head`.
    """
    rows = []
    for n_head in heads:
        for k in exponents:
            per_head = int(round(2 ** (k / n_head)))
            rows.append((n_head, per_head, per_head**n_head))
    return rows


def estimated_bytes(n_head, vocab, batch, length, dim):
    """Activations of one soft read and its gradient, and the table."""
    logits = batch * length * n_head * vocab * 4
    return 4 * logits + n_head * vocab * (dim // n_head) * 4


def step(n_head, vocab, dim=64, batch=64, length=96, repeats=3):
    """Train-step time, parameters and peak memory of one configuration.

    Call in a fresh process for a meaningful peak RSS.
    """
    kzoo_backend.set_random_seed(0)
    inputs = keras.Input((length, dim))
    hidden = keras.layers.Dense(dim, name="encoder")(inputs)
    if n_head == 1:
        layer = Codebook(vocab, name="codebook")
    else:
        layer = ProductCodebook(vocab, n_head, name="codebook")
    model = Model(inputs, layer(hidden))
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    x = np.random.default_rng(0).normal(size=(batch, length, dim))
    x = x.astype("float32")
    model.train_on_batch(x, x)
    start = time.perf_counter()
    for _ in range(repeats):
        model.train_on_batch(x, x)
    seconds = (time.perf_counter() - start) / repeats
    return {
        "n_head": n_head, "vocab_per_head": vocab,
        "effective_vocab": vocab**n_head,
        "codebook_rows": n_head * vocab,
        "params": int(model.count_params()),
        "step_ms": 1000 * seconds,
        "peak_rss_mb": (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "device_mb": kzoo_backend.device_peak_memory_mb(),
    }
