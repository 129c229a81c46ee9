"""Cumulative sums, fastest form per backend.

JAX lowers `cumsum` to a `reduce_window` whose window spans the whole
axis; on a CPU it costs several passes over the array, more as the axis
grows. For the per-code value sums of `CodebookCache` (`(32, 1, n, 64,
64)`, a sum over `n` blocks, here): 40 ms against 13 ms for a `scan` that
adds one slab at a time at `n = 32`, and 373 against 140 ms at `n = 256`;
a training step of `cached_attention` (batch 32, width 64) grew 13.4x
from T = 1024 to 8192 with `cumsum`, 8.8x with the scan. `cumsum` here is
that scan on JAX (`keras.ops.scan`).

PyTorch's CPU `cumsum` is linear but slow along any axis but the last:
on the same `(32, 1, 256, 64, 64)` sums, 415 ms forward and 1180 ms
forward and backward along axis 2, against 127 and 423 ms for the same
sum with the axis moved last and back (two copies). At `n = 32`: 65
against 31 ms forward and backward. `cumsum` here moves the axis last on
torch. TensorFlow's kernel is the faster one as it is (363 ms forward and
backward in place, 745 ms moved), so TensorFlow keeps `keras.ops.cumsum`.
Tested equal, values and gradients, in `tests/backend/test_scans.py`;
the figures (2-core CPU, one process each) are in `docs/recall.md`, Cost.
"""

import keras
from keras import ops


def cumsum(x, axis):
    """`keras.ops.cumsum(x, axis)`: a scan over `axis` on JAX, along the
    last axis on torch.

    The scan suits a short axis over large slabs (the blocks of a cache):
    its steps run one after the other.

    >>> import numpy as np
    >>> np.asarray(cumsum(np.array([[1.0, 2.0, 3.0]]), axis=1)).tolist()
    [[1.0, 3.0, 6.0]]
    """
    backend = keras.backend.backend()
    if backend == "torch":
        moved = ops.moveaxis(x, axis, -1)
        return ops.moveaxis(ops.cumsum(moved, axis=-1), -1, axis)
    if backend != "jax":
        return ops.cumsum(x, axis=axis)
    moved = ops.moveaxis(x, axis, 0)

    def step(total, row):
        total = total + row
        return total, total

    _, out = ops.scan(step, ops.zeros_like(moved[0]), moved)
    return ops.moveaxis(out, 0, axis)
