"""The backend's fit arguments train like Keras's own numpy batching."""

import math

import keras
import numpy as np

from kzoo import backend


def _data(rng, n=70):
    x = rng.normal(size=(n, 6, 1)).astype("float32")
    return x, x[:, -1] * 0.5 + 0.1


def _fit(arguments, weights, spe=1, epochs=3):
    inputs = keras.Input((6, 1))
    model = keras.Model(inputs, keras.layers.Dense(1)(
        keras.layers.Flatten()(inputs)))
    model.set_weights(weights)
    model.compile(keras.optimizers.SGD(0.1), "mse", steps_per_execution=spe)
    history = model.fit(**arguments, epochs=epochs, verbose=0).history
    return history, model.get_weights()


def _weights():
    inputs = keras.Input((6, 1))
    return keras.Model(inputs, keras.layers.Dense(1)(
        keras.layers.Flatten()(inputs))).get_weights()


def test_unshuffled_fit_equals_numpy_batches(rng):
    (x, y), val = _data(rng), _data(rng, 20)
    weights = _weights()
    fast = backend.fit_arguments((x, y), val, 16, 20, shuffle=False)
    spe = backend.steps_per_execution(len(x), 16)
    h_fast, w_fast = _fit(fast, weights, spe)
    h_plain, w_plain = _fit(
        {"x": x, "y": y, "batch_size": 16, "shuffle": False,
         "validation_data": val}, weights)
    for a, b in zip(w_fast, w_plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(h_fast[key], h_plain[key], rtol=1e-5)


def test_steps_per_execution():
    spe = backend.steps_per_execution(70, 16)
    if keras.backend.backend() == "tensorflow":
        assert spe == math.ceil(70 / 16)
    else:
        assert spe == 1


def test_same_seed_same_result_and_every_window_seen(rng):
    (x, y), val = _data(rng), _data(rng, 20)
    weights = _weights()
    results = []
    for _ in range(2):
        keras.utils.set_random_seed(3)  # what a kzoo run does first
        results.append(
            _fit(backend.fit_arguments((x, y), val, 16, 20, seed=3), weights))
    np.testing.assert_array_equal(results[0][1][0], results[1][1][0])
    arguments = backend.fit_arguments((x, y), None, 16, 20, seed=3)
    if "y" in arguments:  # numpy: Keras batches and shuffles itself
        assert arguments["x"] is x and arguments["shuffle"]
        return
    epochs = [np.concatenate([np.asarray(b[0]) for b in arguments["x"]])
              for _ in range(2)]
    for seen in epochs:
        assert seen.shape == x.shape
        np.testing.assert_array_equal(np.sort(seen.ravel()),
                                      np.sort(x.ravel()))
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled
