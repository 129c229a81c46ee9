import keras
import numpy as np
import pytest

from kzoo.layers import CodebookCache
from kzoo.models import Model

from layer_test import run_layer_test
from references import np_causal_attention
from references import np_layer_norm
from references import to_numpy

ATOL = 2e-5


def np_codes(k, table):
    """Nearest row of each head's table: `(B, T, H)`."""
    d2 = ((k[..., None, :] - table[None, None]) ** 2).sum(-1)
    return d2.argmin(-1)


def np_cache_layer(x, layer):
    """`CodebookCache` from its weights, by the definition (no blocks)."""
    w = {v.path.split("/", 1)[1]: to_numpy(v) for v in layer.weights}
    heads = layer.n_head

    def project(name, inputs=x):
        out = inputs @ w[f"{name}/kernel"] + w[f"{name}/bias"]
        return out.reshape(x.shape[:2] + (heads, -1))

    # The key reads the input `key_lag` steps back (zeros before it).
    lagged = np.zeros_like(x)
    lagged[:, layer.key_lag:] = x[:, :x.shape[1] - layer.key_lag]
    q, k, v = project("query"), project("key", lagged), project("value")
    book = layer.codebook.name
    if layer.key_norm:
        k = np_layer_norm(k, w[f"{book}/head_gamma"], w[f"{book}/head_beta"])
    table = w[f"{book}/codebook"]
    codes = np_codes(k, table)
    quantised = table[np.arange(heads), codes]
    out = np_causal_attention(q, quantised, v).reshape(x.shape[:2] + (-1,))
    return out @ w["output/kernel"] + w["output/bias"], codes


def _compiled(layer, shape):
    """`layer` as a function of `(B, T, D)` inputs of `shape`, built.

    On JAX through a compiled model: its eager dispatch compiles every
    operation for every new shape, several times slower here.
    """
    if keras.backend.backend() != "jax":
        layer.build(shape)
        return lambda x: tuple(to_numpy(o) for o in _as_tuple(layer(x)))
    inputs = keras.Input(batch_shape=shape)
    model = Model(inputs, layer(inputs))
    return lambda x: _as_tuple(model.predict_on_batch(x))


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _random_weights(layer, rng, scale=0.5):
    for v in layer.trainable_weights:
        v.assign(rng.normal(scale=scale, size=v.shape).astype("float32"))


@pytest.mark.parametrize("length, block, heads, key_lag", [
    (13, 4, 1, 0),  # padded: 13 = 3 * 4 + 1
    (13, 4, 2, 0),
    (12, 4, 2, 0),  # a multiple of the block
    (16, 2, 1, 0),  # mostly read through the cache
    (13, 4, 2, 1),  # previous-token keys
    (16, 2, 1, 3),
])
def test_layer_matches_the_full_sequence_definition(rng, length, block,
                                                    heads, key_lag):
    x = rng.normal(size=(2, length, 8)).astype("float32")
    layer = CodebookCache(6, n_head=heads, block_size=block,
                          key_lag=key_lag, return_codes=True, seed=0)
    run = _compiled(layer, x.shape)
    _random_weights(layer, rng)
    out, codes = run(x)
    ref, ref_codes = np_cache_layer(x, layer)
    np.testing.assert_array_equal(codes, ref_codes)
    np.testing.assert_allclose(out, ref, atol=ATOL, rtol=1e-4)


@pytest.mark.parametrize("key_lag", [0, 1])
def test_the_past_does_not_see_the_future(rng, key_lag):
    x = rng.normal(size=(2, 13, 8)).astype("float32")
    run = _compiled(CodebookCache(6, n_head=2, block_size=4,
                                  key_lag=key_lag), x.shape)
    base = run(x)[0]
    for start in (0, 3, 6, 11):
        changed = x.copy()
        changed[:, start:] += rng.normal(scale=5.0, size=changed[:, start:]
                                         .shape).astype("float32")
        moved = run(changed)[0]
        assert np.abs(moved[:, :start] - base[:, :start]).max(
            initial=0.0) < 1e-6
        assert np.abs(moved[:, start] - base[:, start]).max() > 1e-3


def _fit_model(**kwargs):
    inputs = keras.Input((16, 4))
    hidden = CodebookCache(8, n_head=2, block_size=4, name="cache",
                           **kwargs)(inputs)
    return Model(inputs, keras.layers.Dense(1, name="head")(hidden))


@pytest.mark.parametrize("ema", [True, False])
def test_a_short_fit_lowers_the_loss_and_trains_the_table(rng, ema):
    # Target: a value seen 6 steps earlier (read through the cache).
    x = rng.normal(size=(64, 16, 4)).astype("float32")
    y = np.roll(x[..., :1], 6, axis=1)
    y[:, :6] = 0.0
    model = _fit_model(ema=ema, seed=0)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    table = to_numpy(model.get_layer("cache").codebook.codebook).copy()
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    moved = to_numpy(model.get_layer("cache").codebook.codebook)
    assert not np.allclose(table, moved)


@pytest.mark.parametrize("kwargs, output, trainable, non_trainable", [
    # q, k, v, output (kernel, bias), key norm (gamma, beta); EMA table,
    # cluster sizes, sums, perplexity, usage.
    ({"num_codes": 8, "n_head": 2, "block_size": 4}, (2, 10, 8), 10, 5),
    ({"num_codes": 8, "block_size": 3, "ema": False, "key_norm": False,
      "head_dim": 3, "return_codes": True}, ((2, 10, 8), (2, 10, 1)), 9, 2),
    ({"num_codes": 8, "block_size": 4, "key_lag": 1}, (2, 10, 8), 10, 5),
])
def test_layer_contract(kwargs, output, trainable, non_trainable):
    run_layer_test(CodebookCache, kwargs, (2, 10, 8), output, trainable,
                   non_trainable)


@pytest.mark.parametrize("kwargs, match", [
    ({"num_codes": 0}, "num_codes"),
    ({"num_codes": 8, "n_head": 0}, "n_head"),
    ({"num_codes": 8, "block_size": 0}, "block_size"),
    ({"num_codes": 8, "key_lag": -1}, "key_lag"),
    ({"num_codes": 8, "head_dim": 0}, "head_dim"),
    ({"num_codes": 8, "decay": 1.0}, "decay"),
    ({"num_codes": 8, "commitment_weight": -1.0}, "commitment_weight"),
    ({"num_codes": 8, "ema": False, "dead_code_threshold": 3},
     "dead_code_threshold"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CodebookCache(**kwargs)


def test_heads_must_divide_the_features_without_head_dim():
    with pytest.raises(ValueError, match="n_head"):
        CodebookCache(8, n_head=3)(np.zeros((1, 4, 8), "float32"))
    layer = CodebookCache(8, n_head=3, head_dim=2)
    assert _compiled(layer, (1, 4, 8))(np.zeros((1, 4, 8), "float32"))[
        0].shape == (1, 4, 8)
    assert tuple(layer.codebook.codebook.shape) == (3, 8, 2)

