"""kzoo.training.losses: the tail loss against NumPy, saved and refused."""

import keras
import numpy as np
import pytest

from kzoo.training.losses import TailMeanSquaredError
from kzoo.training.losses import training_loss


@pytest.mark.parametrize("positions", [1, 3, 7, 20])
def test_tail_mse_is_numpys_mean_over_the_last_positions(rng, positions):
    y = rng.normal(size=(5, 7, 1)).astype("float32")
    p = rng.normal(size=(5, 7, 1)).astype("float32")
    w = rng.uniform(size=5).astype("float32")
    tail = min(positions, 7)
    per_window = ((y[:, -tail:] - p[:, -tail:]) ** 2).mean(axis=(1, 2))
    loss = TailMeanSquaredError(positions)
    np.testing.assert_allclose(float(loss(y, p)), per_window.mean(),
                               rtol=1e-6)
    # Keras's sample weights weigh each window's tail error.
    np.testing.assert_allclose(float(loss(y, p, sample_weight=w)),
                               (per_window * w).mean(), rtol=1e-6)


def test_the_whole_window_is_plain_mse(rng):
    y = rng.normal(size=(4, 6, 1)).astype("float32")
    p = rng.normal(size=(4, 6, 1)).astype("float32")
    np.testing.assert_allclose(
        float(TailMeanSquaredError(6)(y, p)),
        float(keras.losses.MeanSquaredError()(y, p)), rtol=1e-6)


def test_gradient_reaches_the_tail_only(rng):
    """A model trained on the tail loss leaves the untouched positions'
    error out: the same fit with the head positions' targets changed
    gives the same weights."""
    x = rng.normal(size=(16, 6, 1)).astype("float32")
    y = rng.normal(size=(16, 6, 1)).astype("float32")
    other = y.copy()
    other[:, :4] += 3.0

    def fit(targets):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((6, 1)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.1), TailMeanSquaredError(2))
        model.fit(x, targets, batch_size=8, epochs=2, shuffle=False,
                  verbose=0)
        return model.get_weights()

    for a, b in zip(fit(y), fit(other)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_serialised_and_refused():
    loss = TailMeanSquaredError(4)
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(again, TailMeanSquaredError) and again.positions == 4
    with pytest.raises(ValueError, match="`positions` must be an integer"):
        TailMeanSquaredError(0)
    with pytest.raises(ValueError, match=r"aligned \(B, T, 1\) targets"):
        loss(np.zeros((2, 1), "float32"), np.zeros((2, 1), "float32"))


def test_training_loss():
    assert training_loss({"lr": 1e-3}) == "mse"
    assert training_loss({"loss_positions": 0}) == "mse"
    assert training_loss({"loss_positions": 5}).positions == 5
