"""RidgeCodebook: the read against NumPy, the closed-form solve, its checks."""

import numpy as np
import pytest

from kzoo.layers import RidgeCodebook
from kzoo.layers.ridge_codebook import seasonal_lags

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


def test_offsets_read_matches_numpy(rng):
    # Query and linear part at their own offsets back from the window end.
    lags, linear_lags, vocab, features = (1, 3, 6), (1, 2, 5, 6, 7), 4, 2
    layer = RidgeCodebook(vocab, temperature=0.7, lags=lags,
                          linear_lags=linear_lags)
    x = rng.normal(size=(5, 7, features)).astype("float32")
    layer.build(x.shape)
    weights = {
        "codebook": rng.normal(size=(vocab, len(lags) * features)),
        "values": rng.normal(size=(vocab, features)),
        "linear": rng.normal(size=(len(linear_lags) * features, features)),
        "bias": rng.normal(size=(features,)),
    }
    for name, value in weights.items():
        getattr(layer, name).assign(value.astype("float32"))
    x64 = x.astype("float64")
    query = np.concatenate([x64[:, 7 - lag] for lag in lags], axis=-1)
    regressors = np.concatenate([x64[:, 7 - lag] for lag in linear_lags],
                                axis=-1)
    logits = -((query[:, None] - weights["codebook"][None]) ** 2).sum(-1)
    logits /= 2 * 0.7 ** 2
    read = np.exp(logits - logits.max(1, keepdims=True))
    read /= read.sum(1, keepdims=True)
    expected = (read @ weights["values"] + regressors @ weights["linear"]
                + weights["bias"])
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-5,
                               atol=1e-5)
    # The offsets 1 + i * delay are the delay vector's.
    a = RidgeCodebook(vocab, n_lags=3, delay=2)
    b = RidgeCodebook(vocab, lags=(1, 3, 5))
    np.testing.assert_array_equal(to_numpy(a.query(x)), to_numpy(b.query(x)))


def test_solve_reads_the_linear_offsets(rng):
    # A target linear in values outside the query: the solve finds it.
    x = rng.normal(size=(300, 12, 1)).astype("float32")
    y = 0.5 * x[:, -12] - 0.25 * x[:, -7] + 0.1
    layer = RidgeCodebook(20, lags=(1,), linear_lags=(7, 12), ridge=1e-9,
                          seed=0)
    layer.solve(x, y)
    np.testing.assert_allclose(to_numpy(layer.linear)[:, 0], [-0.25, 0.5],
                               atol=1e-3)
    np.testing.assert_allclose(to_numpy(layer(x)), y, atol=1e-3)


def test_seasonal_lags():
    assert seasonal_lags(10, period=4, recent=2, spread=1) == (
        1, 2, 3, 4, 5, 7, 8, 9)
    assert seasonal_lags(5, period=48, recent=8) == (1, 2, 3, 4, 5)
    # Every offset inside the window; a longer window only adds offsets.
    short, long = seasonal_lags(336, 48), seasonal_lags(672, 48)
    assert max(long) == 672 and set(short) < set(long)
    # 1..8, then 48k +- 2 for k = 1..14, less 673 and 674 (past the end).
    assert len(long) == 8 + 14 * 5 - 2
    with pytest.raises(ValueError, match="no offsets"):
        seasonal_lags(3, period=8, recent=0, spread=1)


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
    run_layer_test(RidgeCodebook, {"vocab_size": 4, "lags": [1, 4],
                                   "linear_lags": [2, 5, 6]},
                   (2, 6, 1), (2, 1), expected_non_trainable=4)


def test_bad_arguments_and_inputs(rng):
    for kwargs, match in [({"vocab_size": 0}, "vocab_size"),
                          ({"vocab_size": 4, "n_lags": 0}, "n_lags"),
                          ({"vocab_size": 4, "delay": 0}, "delay"),
                          ({"vocab_size": 4, "temperature": 0}, "temperature"),
                          ({"vocab_size": 4, "ridge": -1.0}, "ridge"),
                          ({"vocab_size": 4, "lags": ()}, "lags"),
                          ({"vocab_size": 4, "lags": 3}, "lags"),
                          ({"vocab_size": 4, "lags": (1, 0)}, "lags"),
                          ({"vocab_size": 4, "linear_lags": (2, 2)},
                           "repeats")]:
        with pytest.raises(ValueError, match=match):
            RidgeCodebook(**kwargs)
    with pytest.raises(ValueError, match=r"at least .* = 9 values, got T=8"):
        RidgeCodebook(4, n_lags=3, delay=4)(np.zeros((1, 8, 1), "float32"))
    with pytest.raises(ValueError, match="largest offset = 9 values, got"):
        RidgeCodebook(4, lags=(1,), linear_lags=(9,))(
            np.zeros((1, 8, 1), "float32"))
    x = rng.normal(size=(5, 9, 1)).astype("float32")
    with pytest.raises(ValueError, match="vocab_size=8 .* exceeds the 5"):
        RidgeCodebook(8, n_lags=3, delay=4).solve(x, x[:, -1])
