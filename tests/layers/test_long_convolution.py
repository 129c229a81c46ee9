import keras
import numpy as np
import pytest

from kzoo.layers import CausalLongConvolution
from kzoo.layers.long_convolution import causal_fft_convolution

from layer_test import run_layer_test
from references import gradients
from references import to_numpy


def np_causal_convolution(x, kernel):
    """`np.convolve` per batch row and channel, cut to the first `T`."""
    b, t, c = x.shape
    out = np.zeros_like(x)
    for i in range(b):
        for j in range(c):
            out[i, :, j] = np.convolve(x[i, :, j], kernel[:, j])[:t]
    return out


@pytest.mark.parametrize("length, taps", [
    (20, 7),  # T > K
    (5, 12),  # T < K: taps at lags >= T unused
    (16, 16),  # T + K a power of two
])
def test_layer_matches_numpy_convolve(rng, length, taps):
    x = rng.normal(size=(2, length, 3)).astype("float32")
    layer = CausalLongConvolution(taps)
    layer.build(x.shape)
    kernel = rng.normal(size=(taps, 3)).astype("float32")
    layer.kernel.assign(kernel)
    np.testing.assert_allclose(to_numpy(layer(x)),
                               np_causal_convolution(x, kernel),
                               atol=2e-5, rtol=1e-5)


def test_a_single_tap_recalls_a_fixed_lag_exactly(rng):
    x = rng.normal(size=(1, 40, 2)).astype("float32")
    kernel = np.zeros((33, 2), "float32")
    kernel[32] = 0.97
    out = to_numpy(causal_fft_convolution(x, kernel))
    np.testing.assert_allclose(out[:, 32:], 0.97 * x[:, :8], atol=1e-5)
    np.testing.assert_allclose(out[:, :32], 0.0, atol=1e-5)


def test_gradients_match_the_correlation(rng):
    # d/dh[tau, c] of sum_t w[t, c] y[t, c] is sum_t w[t, c] x[t - tau, c]:
    # the FFT's gradient on every backend.
    x = rng.normal(size=(2, 9, 3)).astype("float32")
    kernel = rng.normal(size=(4, 3)).astype("float32")
    weight = rng.normal(size=(2, 9, 3)).astype("float32")

    def loss(x, kernel):
        return keras.ops.sum(causal_fft_convolution(x, kernel)
                             * keras.ops.convert_to_tensor(weight))

    value, (grad_x, grad_h) = gradients(loss, x, kernel)
    np.testing.assert_allclose(
        value, (np_causal_convolution(x, kernel) * weight).sum(), rtol=1e-4)
    expected = np.stack([(weight[:, tau:] * x[:, :9 - tau]).sum((0, 1))
                         for tau in range(4)])
    np.testing.assert_allclose(grad_h, expected, atol=1e-4, rtol=1e-4)
    assert np.isfinite(grad_x).all() and np.abs(grad_x).max() > 0


def test_zero_kernel_starts_at_zero():
    layer = CausalLongConvolution(8)
    out = to_numpy(layer(np.ones((1, 6, 2), "float32")))
    np.testing.assert_array_equal(out, 0.0)


@pytest.mark.parametrize("kwargs", [
    {"max_length": 6},
    {"max_length": 3, "kernel_initializer": "random_normal"},
])
def test_layer_contract(kwargs):
    run_layer_test(CausalLongConvolution, kwargs, (2, 10, 3), (2, 10, 3), 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_length"):
        CausalLongConvolution(0)
    with pytest.raises(ValueError, match="max_length"):
        CausalLongConvolution(2.5)

