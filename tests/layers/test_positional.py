import keras
import numpy as np
import pytest

from kzoo.layers import LearnedPositionalEncoding
from kzoo.layers import RandnPositionalEncoding
from kzoo.layers import RotaryPositionalEncoding
from kzoo.layers import SinusoidalPositionalEncoding
from kzoo.models import Model

from layer_test import run_layer_test
from references import to_numpy

ATOL = 1e-5


def np_angles(t, d, base=10000.0):
    return np.arange(t)[:, None] / base ** (2 * np.arange(d // 2) / d)


def test_randn_is_fixed_small_noise(rng):
    x = rng.normal(size=(2, 7, 16)).astype("float32")
    layer = RandnPositionalEncoding(64, seed=5)
    out = to_numpy(layer(x))
    table = to_numpy(layer.encoding)
    assert table.shape == (64, 16)
    assert not layer.encoding.trainable and layer.trainable_weights == []
    assert 0.005 < table.std() < 0.015
    np.testing.assert_allclose(out, x + table[:7], atol=ATOL)
    again = RandnPositionalEncoding(64, seed=5)
    again(x)
    np.testing.assert_array_equal(to_numpy(again.encoding), table)


def test_learned(rng):
    x = rng.normal(size=(2, 7, 4)).astype("float32")
    layer = LearnedPositionalEncoding(10)
    out = to_numpy(layer(x))
    assert layer.embeddings.trainable
    np.testing.assert_allclose(out, x + to_numpy(layer.embeddings)[:7],
                               atol=ATOL)


def test_sinusoidal_matches_numpy(rng):
    x = rng.normal(size=(2, 9, 6)).astype("float32")
    angles = np_angles(9, 6)
    enc = np.zeros((9, 6))
    enc[:, 0::2], enc[:, 1::2] = np.sin(angles), np.cos(angles)
    out = SinusoidalPositionalEncoding(scale=0.5)(x)
    np.testing.assert_allclose(to_numpy(out), x + 0.5 * enc, atol=ATOL)


def test_rotary_matches_numpy(rng):
    x = rng.normal(size=(2, 9, 8)).astype("float32")
    angles = np_angles(9, 8)
    cos, sin = np.cos(angles), np.sin(angles)
    x1, x2 = x[..., :4], x[..., 4:]
    ref = np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)
    out = to_numpy(RotaryPositionalEncoding()(x))
    np.testing.assert_allclose(out, ref, atol=ATOL)
    np.testing.assert_allclose(
        np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-5
    )


@pytest.mark.parametrize(
    "cls, kwargs, trainable, non_trainable",
    [
        (RandnPositionalEncoding, {"max_length": 16, "seed": 2}, 0, 1),
        (LearnedPositionalEncoding, {"max_length": 16}, 1, 0),
        (SinusoidalPositionalEncoding, {"scale": 0.5, "base": 100.0}, 0, 0),
        (RotaryPositionalEncoding, {"max_length": 16}, 0, 0),
    ],
)
def test_layer_contract(cls, kwargs, trainable, non_trainable):
    run_layer_test(cls, kwargs, (2, 7, 4), (2, 7, 4), trainable,
                   non_trainable)


@pytest.mark.parametrize("cls", [RandnPositionalEncoding,
                                 LearnedPositionalEncoding,
                                 SinusoidalPositionalEncoding,
                                 RotaryPositionalEncoding])
def test_dynamic_length(rng, cls):
    inputs = keras.Input((None, 4))
    model = Model(inputs, cls(128)(inputs))
    for t in (96, 112):
        x = rng.normal(size=(2, t, 4)).astype("float32")
        assert model.predict(x, verbose=0).shape == (2, t, 4)


@pytest.mark.parametrize("cls", [RandnPositionalEncoding,
                                 LearnedPositionalEncoding,
                                 SinusoidalPositionalEncoding,
                                 RotaryPositionalEncoding])
def test_length_beyond_max_length(cls):
    with pytest.raises(ValueError, match="max_length"):
        cls(8)(np.zeros((1, 9, 4), "float32"))


@pytest.mark.parametrize("cls", [RandnPositionalEncoding,
                                 LearnedPositionalEncoding])
def test_bad_max_length(cls):
    with pytest.raises(ValueError, match="max_length"):
        cls(0)
