"""Flat (dense and chunked) against product codebooks as the vocabulary grows.

Three ways to an effective vocabulary of `2^k` codes for `d = 64`-wide
tokens: one flat table of `2^k` rows read at once (the `(tokens, V)`
logits in memory), the same table read `read_chunk` rows at a time
(`Codebook(read_chunk=...)`), and `n_head` tables of `2^(k / n_head)` rows
(`ProductCodebook`).
"""

import json
import resource
import sys
import time

import keras
import numpy as np

from kzoo import backend as kzoo_backend
from kzoo.benchmarks.shapes import SCALING
from kzoo.layers import Codebook
from kzoo.layers import ProductCodebook
from kzoo.layers.base_codebook import AUTO_CHUNK
from kzoo.models import Model

# The chunk of the chunked flat rows: the one `read_chunk="auto"` uses.
READ_CHUNK = AUTO_CHUNK


def plan(exponents, heads=(1, 2, 4), read_chunk=READ_CHUNK):
    """`(n_head, vocab_per_head, effective, read_chunk)` per effective 2^k.

    With `n_head` heads each table has `round(2 ** (k / n_head))` rows,
    so the effective vocabulary is that to the power `n_head`. One head
    comes twice: read at once (`read_chunk=None`) and in chunks.
    """
    rows = []
    for n_head in heads:
        for chunk in ((None, read_chunk) if n_head == 1 else (None,)):
            for k in exponents:
                per_head = int(round(2 ** (k / n_head)))
                rows.append((n_head, per_head, per_head**n_head, chunk))
    return rows


def estimated_bytes(n_head, vocab, batch, length, dim, read_chunk=None):
    """Activations of one soft read and its gradient, and the table.

    Four `(tokens, rows)` matrices: the whole table's rows, or one chunk's.
    """
    rows = vocab if read_chunk is None else min(vocab, read_chunk)
    logits = batch * length * n_head * rows * 4
    return 4 * logits + n_head * vocab * (dim // n_head) * 4


def _timed(function, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return 1000 * (time.perf_counter() - start) / repeats


def step(n_head, vocab, dim=SCALING["dim"], batch=SCALING["batch"],
         length=SCALING["length"], repeats=3, read_chunk=None,
         slow_step_s=60.0):
    """Train-step and forward time, parameters and peak memory of one model.

    After one warm-up step (compilation), times `repeats` steps, or one
    when the warm-up took over `slow_step_s` seconds, and as many forward
    passes (`predict_on_batch`): the backward pass takes the difference.
    Call in a fresh process for a meaningful peak RSS.
    """
    kzoo_backend.set_random_seed(0)
    inputs = keras.Input((length, dim))
    hidden = keras.layers.Dense(dim, name="encoder")(inputs)
    if n_head == 1:
        layer = Codebook(vocab, read_chunk=read_chunk, name="codebook")
    else:
        layer = ProductCodebook(vocab, n_head, read_chunk=read_chunk,
                                name="codebook")
    model = Model(inputs, layer(hidden))
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    x = np.random.default_rng(0).normal(size=(batch, length, dim))
    x = x.astype("float32")
    start = time.perf_counter()
    model.train_on_batch(x, x)
    if time.perf_counter() - start > slow_step_s:
        repeats = 1
    model.predict_on_batch(x)
    step_ms = _timed(lambda: model.train_on_batch(x, x), repeats)
    forward_ms = _timed(lambda: model.predict_on_batch(x), repeats)
    return {
        "n_head": n_head, "vocab_per_head": vocab,
        "effective_vocab": vocab**n_head,
        "codebook_rows": n_head * vocab,
        "read_chunk": read_chunk,
        "params": int(model.count_params()),
        "repeats": repeats,
        "step_ms": step_ms,
        "forward_ms": forward_ms,
        "peak_rss_mb": (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "device_mb": kzoo_backend.device_peak_memory_mb(),
    }


if __name__ == "__main__":
    from kzoo.benchmarks import child

    child.emit(step(**json.loads(sys.argv[1])))
