"""`kzoo.backend.reductions` equals `keras.ops.argmax` / `argmin`."""

import keras
import numpy as np
import pytest

from kzoo.backend import reductions

from references import to_numpy


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


@pytest.mark.parametrize("shape, block", [((5, 512), 128), ((2, 3, 96), 8),
                                          ((4, 100), 8), ((3, 128), 128)])
def test_max_and_argmax_equal_numpy(rng, shape, block):
    # Blocks (of `block`) or not (8 does not divide 100; a single block).
    x = rng.normal(size=shape).astype("float32")
    top, index = reductions.max_and_argmax(x, block)
    np.testing.assert_array_equal(to_numpy(top), x.max(-1))
    np.testing.assert_array_equal(to_numpy(index), x.argmax(-1))
    assert to_numpy(index).dtype == np.int32
    bottom, index = reductions.min_and_argmin(x, block)
    np.testing.assert_array_equal(to_numpy(bottom), x.min(-1))
    np.testing.assert_array_equal(to_numpy(index), x.argmin(-1))


@pytest.mark.parametrize("first, second", [(70, 3), (5, 40), (20, 21)])
def test_max_and_argmax_take_the_first_index_on_ties(rng, first, second):
    # Ties in two blocks (of 16), or in one.
    x = rng.normal(size=(3, 96)).astype("float32")
    x[:, first] = x[:, second] = x.max(-1) + 1
    _, index = reductions.max_and_argmax(x, 16)
    np.testing.assert_array_equal(to_numpy(index), min(first, second))
    _, index = reductions.min_and_argmin(-x, 16)
    np.testing.assert_array_equal(to_numpy(index), min(first, second))
