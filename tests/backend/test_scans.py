"""`kzoo.backend.scans.cumsum` equals NumPy's and `keras.ops.cumsum`."""

import keras
import numpy as np
import pytest

from kzoo.backend import scans

from references import gradients
from references import to_numpy


@pytest.mark.parametrize("shape, axis", [((7,), 0), ((2, 1, 5, 3, 4), 2),
                                         ((3, 6), -1), ((1, 4), 0)])
def test_cumsum_equals_numpy(rng, shape, axis):
    x = rng.normal(size=shape).astype("float32")
    np.testing.assert_allclose(to_numpy(scans.cumsum(x, axis)),
                               np.cumsum(x, axis=axis), rtol=1e-6, atol=1e-6)


def test_cumsum_gradient_equals_keras_ops(rng):
    # d/dx of sum(w * cumsum(x)) is the reversed cumulative sum of w.
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    w = rng.normal(size=(2, 6, 3)).astype("float32")
    _, (mine,) = gradients(
        lambda x: keras.ops.sum(scans.cumsum(x, 1) * keras.ops.array(w)), x)
    _, (theirs,) = gradients(
        lambda x: keras.ops.sum(keras.ops.cumsum(x, axis=1)
                                * keras.ops.array(w)), x)
    expected = np.flip(np.cumsum(np.flip(w, 1), 1), 1)
    np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)
