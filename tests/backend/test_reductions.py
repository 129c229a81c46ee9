"""`kzoo.backend.reductions` equals `keras.ops.argmax` / `argmin`."""

import keras
import numpy as np
import pytest

from kzoo.backend import reductions

from helpers import to_numpy


@pytest.mark.parametrize("shape", [(7,), (5, 33), (2, 3, 512)])
def test_argmax_argmin_equal_keras_and_numpy(rng, shape):
    x = rng.normal(size=shape).astype("float32")
    # Ties: the first index wins, as in numpy and keras.ops.
    x[..., 3] = x[..., 1] = np.max(x, axis=-1) + 1.0
    x[..., 4] = x[..., 2] = np.min(x, axis=-1) - 1.0
    got_max = to_numpy(reductions.argmax(x))
    got_min = to_numpy(reductions.argmin(x))
    assert got_max.dtype == np.int32 and got_min.dtype == np.int32
    np.testing.assert_array_equal(got_max, np.argmax(x, axis=-1))
    np.testing.assert_array_equal(got_min, np.argmin(x, axis=-1))
    np.testing.assert_array_equal(got_max, to_numpy(keras.ops.argmax(x, -1)))
    assert np.all(got_max == 1) and np.all(got_min == 2)


def test_argmax_of_equal_values_is_zero():
    x = np.zeros((3, 6), "float32")
    np.testing.assert_array_equal(to_numpy(reductions.argmax(x)), [0, 0, 0])
