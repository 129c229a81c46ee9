"""ChangeForecast, AutoregressivePath and RevIN's window (de)normalisation
against NumPy."""

import numpy as np
import pytest

from kzoo.layers import AutoregressivePath
from kzoo.layers import ChangeForecast
from kzoo.layers import WindowDenormalization
from kzoo.layers import WindowNormalization

from layer_test import run_layer_test
from references import to_numpy


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


def np_autoregression(x, kernel, bias, target):
    """`sum_i kernel[i] x[t - order + 1 + i] + bias`, zeros before the start."""
    order = kernel.shape[0]
    padded = np.concatenate([np.zeros((x.shape[0], order - 1, x.shape[2])),
                             x], axis=1)
    out = np.stack([
        np.einsum("btf,tfg->bg", padded[:, t:t + order], kernel)
        for t in range(x.shape[1])], axis=1) + bias
    return out if target == "aligned" else out[:, -1]


@pytest.mark.parametrize("target", ["aligned", "last"])
@pytest.mark.parametrize("order, features", [(1, 1), (4, 1), (3, 2)])
def test_autoregressive_path_matches_numpy(rng, target, order, features):
    x = rng.normal(size=(3, 7, features)).astype("float32")
    forecast = rng.normal(size=(3, 7, features) if target == "aligned"
                          else (3, features)).astype("float32")
    layer = AutoregressivePath(order, target)
    np.testing.assert_allclose(to_numpy(layer([x, forecast])), forecast,
                               atol=0)  # starts at zero: the network alone
    kernel = rng.normal(size=(order, features, features)).astype("float32")
    bias = rng.normal(size=(features,)).astype("float32")
    layer.ar_kernel.assign(kernel)
    layer.ar_bias.assign(bias)
    expected = forecast + np_autoregression(x.astype("float64"), kernel,
                                            bias, target)
    np.testing.assert_allclose(to_numpy(layer([x, forecast])), expected,
                               rtol=1e-5, atol=1e-5)
    config = layer.get_config()
    assert AutoregressivePath.from_config(config).get_config() == config
    assert tuple(layer.compute_output_shape(
        [x.shape, forecast.shape])) == forecast.shape


def test_autoregressive_path_is_causal(rng):
    x = rng.normal(size=(2, 9, 1)).astype("float32")
    changed = x.copy()
    changed[:, 5:] += 10.0
    layer = AutoregressivePath(3, "aligned")
    zeros = np.zeros_like(x)
    layer([x, zeros])
    layer.ar_kernel.assign(np.ones((3, 1, 1), "float32"))
    np.testing.assert_allclose(to_numpy(layer([x, zeros]))[:, :5],
                               to_numpy(layer([changed, zeros]))[:, :5],
                               atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="target"):
        ChangeForecast("next")
    with pytest.raises(ValueError, match="order"):
        AutoregressivePath(0, "last")
    with pytest.raises(ValueError, match="order=8 .* exceeds"):
        AutoregressivePath(8, "last")([np.zeros((1, 4, 1), "float32"),
                                       np.zeros((1, 1), "float32")])
    with pytest.raises(ValueError, match="epsilon"):
        WindowNormalization(epsilon=0)
