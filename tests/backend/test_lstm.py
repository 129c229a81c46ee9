"""The fused LSTM fast path equals the keras.ops path."""

import keras
import numpy as np
import pytest

from kzoo.backend import LSTM

from references import to_numpy


def _pair(return_sequences, rng):
    x = rng.normal(size=(4, 9, 3)).astype("float32")
    fused = LSTM(5, return_sequences=return_sequences)
    plain = LSTM(5, return_sequences=return_sequences, fused=False)
    fused(x)
    plain(x)
    plain.set_weights([
        rng.normal(0, 0.5, w.shape).astype("float32") for w in plain.weights
    ])
    fused.set_weights(plain.get_weights())
    return x, fused, plain


@pytest.mark.parametrize("return_sequences", [True, False])
def test_forward_equal(rng, return_sequences):
    x, fused, plain = _pair(return_sequences, rng)
    np.testing.assert_allclose(to_numpy(fused(x)), to_numpy(plain(x)),
                               atol=1e-6)


def test_training_step_equal(rng):
    x = rng.normal(size=(8, 9, 1)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    weights = None
    results = []
    for fused in (True, False):
        inputs = keras.Input((9, 1))
        h = LSTM(6, return_sequences=True, fused=fused)(inputs)
        h = LSTM(6, fused=fused)(h)
        model = keras.Model(inputs, keras.layers.Dense(1)(h))
        if weights is None:
            weights = model.get_weights()
        model.set_weights(weights)
        model.compile(keras.optimizers.SGD(0.5), "mse")
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(results[0][0], weights[0])


def test_config_round_trip():
    layer = LSTM(4, fused=False, return_sequences=True)
    clone = LSTM.from_config(layer.get_config())
    assert clone.fused is False and clone.return_sequences


def test_initial_and_final_states_train_equal(rng):
    # Gradients through the initial state and the returned final states.
    x = rng.normal(size=(8, 7, 2)).astype("float32")
    s = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    weights = None
    results = []
    for fused in (True, False):
        inputs, state_in = keras.Input((7, 2)), keras.Input((3,))
        h0 = keras.layers.Dense(6, activation="tanh")(state_in)
        c0 = keras.layers.Dense(6)(state_in)
        seq, h, c = LSTM(6, return_sequences=True, return_state=True,
                         fused=fused)(inputs, initial_state=[h0, c0])
        features = keras.layers.Concatenate()(
            [keras.layers.Flatten()(seq), h, c]
        )
        model = keras.Model([inputs, state_in],
                            keras.layers.Dense(1)(features))
        if weights is None:
            weights = [rng.normal(0, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()]
        model.set_weights(weights)
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit([x, s], y, batch_size=8, epochs=2, verbose=0,
                  shuffle=False)
        results.append(model.get_weights())
    for a, b, w in zip(*results, weights):
        np.testing.assert_allclose(a, b, atol=1e-5)
        assert not np.allclose(a, w)


def test_mixed_precision_uses_keras_path(rng):
    x = rng.normal(size=(4, 9, 3)).astype("float32")
    fused = LSTM(5, dtype="mixed_bfloat16")
    plain = LSTM(5, dtype="mixed_bfloat16", fused=False)
    fused(x)
    plain(x)
    fused.set_weights(plain.get_weights())
    out, expected = fused(x), plain(x)
    assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
    np.testing.assert_allclose(to_numpy(keras.ops.cast(out, "float32")),
                               to_numpy(keras.ops.cast(expected, "float32")),
                               atol=1e-6)
