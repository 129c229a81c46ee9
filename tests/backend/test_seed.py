"""kzoo.backend.set_random_seed: Keras's seeding, without importing TF."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kzoo import backend

from helpers import ONCE
from helpers import ROOT


def _draws():
    return (keras.ops.convert_to_numpy(keras.random.normal((4,))),
            np.random.rand(3), keras.ops.convert_to_numpy(
                keras.layers.Dense(2)(np.ones((1, 3), "float32"))))


def test_same_draws_as_keras_set_random_seed():
    keras.utils.set_random_seed(7)
    expected = _draws()
    backend.set_random_seed(7)
    for a, b in zip(_draws(), expected):
        np.testing.assert_array_equal(a, b)
    backend.set_random_seed(8)
    assert not np.array_equal(_draws()[0], expected[0])


def test_seed_must_be_an_integer():
    with pytest.raises(ValueError, match="seed"):
        backend.set_random_seed(1.5)


@ONCE
@pytest.mark.slow
@pytest.mark.parametrize("name", ["jax", "torch"])
def test_tensorflow_is_not_imported_on_other_backends(name):
    script = ("import sys; sys.path.insert(0, %r); from kzoo import backend; "
              "backend.set_random_seed(0); "
              "print('tensorflow' in sys.modules)" % ROOT)
    result = subprocess.run([sys.executable, "-c", script], text=True,
                            capture_output=True, timeout=300,
                            env=dict(os.environ, KERAS_BACKEND=name))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False"
