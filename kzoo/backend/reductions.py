"""`argmax` / `argmin` over the last axis, fastest form per backend.

XLA on CPU lowers `argmax` to a reduction over (value, index) pairs that
runs several times slower than a plain reduction: for the `(3072, 512)`
logits of the reference `vqlnpemlp` batch, 3.8 ms on JAX against 0.9 ms for
a maximum, a comparison and a minimum over indices (TensorFlow: 2.0 against
1.25 ms). PyTorch's own `argmax` is the faster there. Both forms return the
first index of the extreme value (ties included); they differ only on rows
holding a NaN. Tested equal to `keras.ops.argmax` in
`tests/backend/test_reductions.py`.
"""

import keras
from keras import ops


def argmax(x, top=None):
    """Index of the first maximum on the last axis (int32, `x.shape[:-1]`).

    `top`, if given, is `max(x, axis=-1)` already computed (a chunked read
    needs it anyway): the JAX and TensorFlow form then skips its maximum.
    """
    size = x.shape[-1]
    if keras.backend.backend() == "torch" or size is None or size >= 2**24:
        return ops.cast(ops.argmax(x, axis=-1), "int32")
    if top is None:
        top = ops.max(x, axis=-1)
    top = ops.expand_dims(top, -1)
    # Float indices (exact below 2**24): XLA's float minimum vectorises,
    # its integer one less.
    index = ops.arange(size, dtype="float32")
    first = ops.min(ops.where(x == top, index, float(size - 1)), axis=-1)
    return ops.cast(first, "int32")


def argmin(x, bottom=None):
    """Index of the first minimum on the last axis (int32, `x.shape[:-1]`).

    `bottom`, if given, is `min(x, axis=-1)` already computed.
    """
    top = None if bottom is None else ops.negative(bottom)
    return argmax(ops.negative(x), top=top)
