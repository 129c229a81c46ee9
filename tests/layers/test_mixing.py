import numpy as np
import pytest

from kzoo.layers import CausalTokenMixing
from kzoo.layers import DelayEmbedding

from layer_test import run_layer_test
from references import np_layer_norm
from references import to_numpy


def test_delay_embedding_matches_numpy(rng):
    x = rng.normal(size=(2, 6, 2)).astype("float32")
    out = to_numpy(DelayEmbedding(3)(x))
    assert out.shape == (2, 6, 6)
    padded = np.concatenate([np.zeros((2, 2, 2), "float32"), x], axis=1)
    for t in range(6):
        np.testing.assert_array_equal(out[:, t],
                                      padded[:, t:t + 3].reshape(2, 6))


def np_mixing(x, layer):
    w = {v.path.split("/")[-1]: to_numpy(v) for v in layer.weights}
    t = x.shape[1]
    mask = np.tril(np.ones((t, t)))
    h = np_layer_norm(x, w["gamma"], w["beta"])
    k1 = w["time_kernel_1"][:t, :t] * mask
    h = np.maximum(np.einsum("ts,bsd->btd", k1, h)
                   + w["time_bias_1"][:t, None], 0)
    return x + np.einsum("ts,bsd->btd", w["time_kernel_2"][:t, :t] * mask, h) \
        + w["time_bias_2"][:t, None]


def test_token_mixing_matches_numpy_and_is_causal(rng):
    x = rng.normal(size=(2, 7, 4)).astype("float32")
    layer = CausalTokenMixing(10)
    layer(x)
    for v in layer.weights:
        v.assign(rng.normal(size=v.shape).astype("float32"))
    np.testing.assert_allclose(to_numpy(layer(x)), np_mixing(x, layer),
                               atol=1e-5, rtol=1e-6)
    changed = x.copy()
    changed[:, 5:] += 10.0  # the future must not move the past
    np.testing.assert_allclose(to_numpy(layer(changed))[:, :5],
                               to_numpy(layer(x))[:, :5], atol=1e-5)


@pytest.mark.parametrize(
    "cls, kwargs, output, trainable",
    [
        (DelayEmbedding, {"patch": 4}, (2, 8, 12), 0),
        (DelayEmbedding, {"patch": 1}, (2, 8, 3), 0),
        # norm 2, two (T, T) kernels and two biases.
        (CausalTokenMixing, {"max_length": 10}, (2, 8, 3), 6),
    ],
)
def test_layer_contract(cls, kwargs, output, trainable):
    run_layer_test(cls, kwargs, (2, 8, 3), output, trainable)


def test_bad_arguments():
    with pytest.raises(ValueError, match="patch"):
        DelayEmbedding(0)
    with pytest.raises(ValueError, match="max_length"):
        CausalTokenMixing(4)(np.zeros((1, 5, 2), "float32"))
