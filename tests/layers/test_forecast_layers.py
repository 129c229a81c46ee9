"""ChangeForecast and RevIN's window (de)normalisation against NumPy."""

import numpy as np
import pytest

from kzoo.layers import ChangeForecast
from kzoo.layers import WindowDenormalization
from kzoo.layers import WindowNormalization

from helpers import run_layer_test
from helpers import to_numpy


def np_stats(x, causal, eps=1e-5):
    if not causal:
        return x.mean(1, keepdims=True), np.sqrt(x.var(1, keepdims=True)
                                                 + eps)
    means, stds = [], []
    for t in range(x.shape[1]):
        part = x[:, : t + 1]
        means.append(part.mean(1))
        stds.append(np.sqrt(part.var(1) + eps))
    return np.stack(means, 1), np.stack(stds, 1)


@pytest.mark.parametrize("causal", [False, True])
def test_window_normalization_matches_numpy(rng, causal):
    x = (3 + 2 * rng.normal(size=(3, 7, 2))).astype("float32")
    normed, mean, std = WindowNormalization(causal=causal)(x)
    ref_mean, ref_std = np_stats(x.astype("float64"), causal)
    np.testing.assert_allclose(to_numpy(mean), ref_mean, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(to_numpy(std), ref_std, rtol=1e-4)
    np.testing.assert_allclose(to_numpy(normed), (x - ref_mean) / ref_std,
                               atol=1e-4)


def test_causal_statistics_do_not_see_the_future(rng):
    x = rng.normal(size=(2, 9, 1)).astype("float32")
    changed = x.copy()
    changed[:, 5:] += 10.0
    layer = WindowNormalization(causal=True)
    for a, b in zip(layer(x), layer(changed)):
        np.testing.assert_allclose(to_numpy(a)[:, :5], to_numpy(b)[:, :5],
                                   atol=1e-5)


@pytest.mark.parametrize("target", ["aligned", "last"])
def test_denormalization_inverts_and_change_adds_the_last_value(rng,
                                                                target):
    x = rng.normal(size=(2, 6, 1)).astype("float32")
    normed, mean, std = WindowNormalization(causal=target == "aligned")(x)
    forecast = normed if target == "aligned" else normed[:, -1, :]
    back = WindowDenormalization(target)([forecast, mean, std])
    expected = x if target == "aligned" else x[:, -1, :]
    np.testing.assert_allclose(to_numpy(back), expected, atol=1e-4)
    change = np.full(expected.shape, 0.5, "float32")
    np.testing.assert_allclose(
        to_numpy(ChangeForecast(target)([x, change])), expected + 0.5,
        atol=1e-6)


@pytest.mark.parametrize(
    "cls, kwargs, output",
    [
        (WindowNormalization, {"causal": True, "epsilon": 1e-3},
         ((2, 5, 1), (2, 5, 1), (2, 5, 1))),
        (WindowNormalization, {}, ((2, 5, 1), (2, 1, 1), (2, 1, 1))),
    ],
)
def test_layer_contract(cls, kwargs, output):
    run_layer_test(cls, kwargs, (2, 5, 1), output)


def test_bad_arguments():
    with pytest.raises(ValueError, match="target"):
        ChangeForecast("next")
    with pytest.raises(ValueError, match="epsilon"):
        WindowNormalization(epsilon=0)
