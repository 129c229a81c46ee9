"""RidgeCodebook: the read against NumPy, the closed-form solve, its checks."""

import numpy as np
import pytest

from kzoo.layers import RidgeCodebook

from layer_test import run_layer_test
from references import to_numpy


def np_read(x, codebook, values, linear, bias, n_lags, delay, temperature):
    t = x.shape[1]
    query = np.concatenate([x[:, t - 1 - i * delay] for i in range(n_lags)],
                           axis=-1)
    distance = ((query[:, None, :] - codebook[None]) ** 2).sum(-1)
    logits = -distance / (2 * temperature ** 2)
    weights = np.exp(logits - logits.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    return weights @ values + query @ linear + bias, query


@pytest.mark.parametrize("features", [1, 2])
def test_read_matches_numpy(rng, features):
    n_lags, delay, vocab = 3, 2, 6
    layer = RidgeCodebook(vocab, n_lags=n_lags, delay=delay, temperature=0.9)
    x = rng.normal(size=(4, 7, features)).astype("float32")
    layer.build(x.shape)
    weights = {
        "codebook": rng.normal(size=(vocab, n_lags * features)),
        "values": rng.normal(size=(vocab, features)),
        "linear": rng.normal(size=(n_lags * features, features)),
        "bias": rng.normal(size=(features,)),
    }
    for name, value in weights.items():
        getattr(layer, name).assign(value.astype("float32"))
    expected, _ = np_read(x.astype("float64"), **weights, n_lags=n_lags,
                          delay=delay, temperature=0.9)
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-5,
                               atol=1e-5)
    assert not layer.trainable_weights
    assert [w.name for w in layer.weights] == ["codebook", "values",
                                               "linear", "bias"]


def test_solve_is_the_ridge_solution(rng):
    # A smooth function of the delay vector, solved on 200 windows: the
    # solve equals NumPy's least squares on the same design matrix, and
    # the rows are delay vectors of the training windows.
    x = rng.uniform(-1, 1, size=(200, 9, 1)).astype("float32")
    y = np.sin(2 * x[:, -1]) * x[:, -5] + 0.3 * x[:, -9]
    layer = RidgeCodebook(50, n_lags=3, delay=4, temperature=0.5,
                          ridge=1e-9, seed=1)
    layer.solve(x, y)
    codebook = to_numpy(layer.codebook)
    _, query = np_read(x.astype("float64"), codebook, np.zeros((50, 1)),
                       np.zeros((3, 1)), np.zeros(1), 3, 4, 0.5)
    assert all(np.isclose(query, row, atol=0).all(1).any()
               for row in codebook)
    distance = ((query[:, None] - codebook[None]) ** 2).sum(-1)
    read = np.exp(-distance / 0.5)
    read /= read.sum(1, keepdims=True)
    design = np.concatenate([read, query, np.ones((200, 1))], axis=1)
    ref, *_ = np.linalg.lstsq(design, y, rcond=None)
    fitted = to_numpy(layer(x))
    np.testing.assert_allclose(fitted, design @ ref, atol=2e-3)
    assert np.mean((fitted - y) ** 2) < 1e-3 * np.var(y)


def test_solve_is_reproducible_and_seeded(rng):
    x = rng.normal(size=(60, 5, 1)).astype("float32")
    y = x[:, -1] ** 2
    tables = []
    for seed in (3, 3, 4):
        layer = RidgeCodebook(10, n_lags=2, delay=2, seed=seed)
        layer.solve(x, y)
        tables.append(to_numpy(layer.codebook))
    np.testing.assert_array_equal(tables[0], tables[1])
    assert not np.array_equal(tables[0], tables[2])


def test_layer_contract():
    run_layer_test(RidgeCodebook, {"vocab_size": 4, "n_lags": 3, "delay": 2},
                   (2, 6, 1), (2, 1), expected_non_trainable=4)


def test_bad_arguments_and_inputs(rng):
    for kwargs, match in [({"vocab_size": 0}, "vocab_size"),
                          ({"vocab_size": 4, "n_lags": 0}, "n_lags"),
                          ({"vocab_size": 4, "delay": 0}, "delay"),
                          ({"vocab_size": 4, "temperature": 0}, "temperature"),
                          ({"vocab_size": 4, "ridge": -1.0}, "ridge")]:
        with pytest.raises(ValueError, match=match):
            RidgeCodebook(**kwargs)
    with pytest.raises(ValueError, match=r"at least .* = 9 values, got T=8"):
        RidgeCodebook(4, n_lags=3, delay=4)(np.zeros((1, 8, 1), "float32"))
    x = rng.normal(size=(5, 9, 1)).astype("float32")
    with pytest.raises(ValueError, match="vocab_size=8 .* exceeds the 5"):
        RidgeCodebook(8, n_lags=3, delay=4).solve(x, x[:, -1])
