"""Builders of the reference models, the codebook family and baselines.

Every builder returns an uncompiled `kzoo.models.Model` taking `(B, T, 1)`
z-scored values. `target="aligned"` models return `(B, T, 1)` (position `t`
predicts value `t + 1`); `target="last"` models return `(B, 1)` (the value
after the window).
"""

import keras

from kzoo.backend import LSTM
from kzoo.errors import UsageError
from kzoo.layers import CacheHierarchy
from kzoo.layers import CausalTokenMixing
from kzoo.layers import Codebook
from kzoo.layers import CodebookBlock
from kzoo.layers import DelayEmbedding
from kzoo.layers import ProductCodebook
from kzoo.layers import RidgeCodebook
from kzoo.layers.checks import check_choice
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.layers.positional import ENCODINGS
from kzoo.layers.ridge_codebook import seasonal_lags
from kzoo.layers.wrappers import AutoregressivePath
from kzoo.layers.wrappers import ChangeForecast
from kzoo.layers.wrappers import WindowDenormalization
from kzoo.layers.wrappers import WindowNormalization
from kzoo.models.model import Model

PE_CHOICES = ("none",) + tuple(ENCODINGS)
METHODS = ("flat", "product", "hierarchy")
# Keras's `GaussianNoise` takes a standard deviation in [0, 1].
MAX_NOISE = 1.0


def forecaster(network, time_steps, target, change=False, revin=False,
               noise=0.0, ar_order=0, name=None):
    """The model around a network: its input and the forecasting options.

    Args:
        network: function of the `(B, T, 1)` window tensor returning the
            network's output (`(B, T, 1)` aligned, `(B, 1)` last).
        time_steps: window length (`None`: any).
        target: `"aligned"` or `"last"`.
        change: the network predicts the change from the last input value
            (`ChangeForecast`).
        revin: each window is normalised by its own statistics and the
            forecast scaled back (`WindowNormalization`, RevIN).
        noise: standard deviation of Gaussian noise added to the window
            while training (`keras.layers.GaussianNoise`, in [0, 1];
            before RevIN's normalisation; the targets stay clean), which
            makes fed-back forecasts sturdier.
        ar_order: a linear autoregression on the last `ar_order` values
            added to the forecast (`AutoregressivePath`; 0: none).
        name: the model's name.
    """
    check_number("noise", noise, minimum=0, strict=False, maximum=MAX_NOISE)
    check_int("ar_order", ar_order, minimum=0)
    inputs = keras.Input((time_steps, 1), name="series")
    window = inputs
    if noise:
        window = keras.layers.GaussianNoise(noise, name="input_noise")(window)
    if revin:  # normalises the noisy window: the network sees the noise
        window, mean, std = WindowNormalization(
            causal=target == "aligned", name="revin")(window)
    outputs = network(window)
    if change:
        outputs = ChangeForecast(target, name="change")([window, outputs])
    if ar_order:
        outputs = AutoregressivePath(ar_order, target, name="ar_path")(
            [window, outputs])
    if revin:
        outputs = WindowDenormalization(target, name="revin_restore")(
            [outputs, mean, std])
    return Model(inputs, outputs, name=name)


def build_lstm(time_steps=None, units=64, layers=2, change=False, revin=False,
               noise=0.0, ar_order=0, name="lstm"):
    """Reference `lstm_linear1`: stacked LSTMs, Dense(1) on the last step.

    Xavier-uniform kernels (recurrent ones too) and zero biases, no forget
    bias offset: the reference's PyTorch initialisation. On the torch
    backend the LSTMs run PyTorch's fused kernel (`kzoo.backend.LSTM`).
    """
    check_int("units", units)
    check_int("layers", layers)

    def network(hidden):
        for i in range(layers):
            hidden = LSTM(
                units,
                return_sequences=i < layers - 1,
                kernel_initializer="glorot_uniform",
                recurrent_initializer="glorot_uniform",
                unit_forget_bias=False,
                name=f"lstm_{i + 1}",
            )(hidden)
        return keras.layers.Dense(
            1, kernel_initializer="glorot_uniform", name="head"
        )(hidden)

    return forecaster(network, time_steps, "last", change, revin, noise,
                      ar_order, name)


def make_codebook(
    method,
    vocab_size,
    n_head=1,
    sizes=(32, 128, 512),
    order="inc",
    head_norm=True,
    **codebook_kwargs,
):
    """The codebook layer of a method: flat, product (2), hierarchy (3, 2+3).

    `codebook_kwargs` (`read`, `train_codebook`, ...) go to the layer; the
    layers check every value.
    """
    check_choice("method", method, METHODS)
    if method == "flat":
        return Codebook(vocab_size, name="codebook", **codebook_kwargs)
    if method == "product":
        return ProductCodebook(vocab_size, n_head, head_norm=head_norm,
                               name="codebook", **codebook_kwargs)
    return CacheHierarchy(
        list(sizes), order=order, n_head=n_head,
        head_norm=head_norm and n_head > 1, name="codebook", **codebook_kwargs,
    )


def build_codebook_mlp(
    method="flat",
    time_steps=None,
    vocab_size=32,
    d_model=8,
    n_head=1,
    sizes=(32, 128, 512),
    order="inc",
    pe="none",
    read="soft",
    train_codebook=False,
    read_chunk=None,
    layer_norm=True,
    max_length=None,
    patch=1,
    n_mix=0,
    residual=False,
    change=False,
    revin=False,
    noise=0.0,
    ar_order=0,
    name="vqlnmlp",
):
    """Reference `vq*mlp` family: a `CodebookBlock` on every time step.

    Time mixing (the `*mixer` models): `patch > 1` gives every token its
    last `patch` values (`DelayEmbedding`), `n_mix` causal token-mixing
    MLPs (`CausalTokenMixing`, TSMixer-style) let the queries carry
    context before the read, `residual` adds the read's input to it.
    """
    check_choice("pe", pe, PE_CHOICES)
    check_int("n_mix", n_mix, minimum=0)
    check_int("patch", patch)
    layer = make_codebook(
        method, vocab_size, n_head=n_head, sizes=sizes, order=order,
        read=read, train_codebook=train_codebook, read_chunk=read_chunk,
    )
    encoding = None
    if pe != "none":
        length = max_length or time_steps
        if pe in ("randn", "learned") and length is None:
            raise UsageError(f"pe={pe!r} needs time_steps or max_length")
        encoding = ENCODINGS[pe](length, name="positional_encoding")
    if n_mix and time_steps is None and max_length is None:
        raise UsageError("time mixing needs time_steps or max_length")
    mixers = [
        CausalTokenMixing(max_length or time_steps, name=f"mixing_{i + 1}")
        for i in range(n_mix)
    ]
    block = CodebookBlock(
        d_model, layer, positional_encoding=encoding, layer_norm=layer_norm,
        mixers=mixers, residual=residual, name="block",
    )

    def network(hidden):
        if patch > 1:
            hidden = DelayEmbedding(patch, name="delay_embedding")(hidden)
        return block(hidden)

    return forecaster(network, time_steps, "aligned", change, revin, noise,
                      ar_order, name)


@keras.saving.register_keras_serializable(package="kzoo")
class LastValue(keras.layers.Layer):
    """Persistence: the forecast of every position is its own value.

    Input shape `(B, T, 1)`, output shape `(B, T, 1)` (aligned targets).

    Example:

    >>> x = keras.ops.ones((2, 8, 1))
    >>> bool(keras.ops.all(LastValue()(x) == x))
    True
    """

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def build_persistence(time_steps=None, name="persistence"):
    """Baseline: repeat the last value (no weights, nothing to fit)."""
    inputs = keras.Input((time_steps, 1), name="series")
    return Model(inputs, LastValue(name="last_value")(inputs), name=name)


def build_linear(time_steps=96, change=False, revin=False, noise=0.0,
                 ar_order=0, name="linear"):
    """Baseline: one Dense over the whole window to the next value."""
    if time_steps is None:
        raise UsageError("the linear model needs a fixed time_steps")

    def network(window):
        hidden = keras.layers.Flatten(name="flatten")(window)
        return keras.layers.Dense(
            1, kernel_initializer="glorot_uniform", name="head"
        )(hidden)

    return forecaster(network, time_steps, "last", change, revin, noise,
                      ar_order, name)


def build_ridge_codebook(time_steps=40, vocab_size=1000, n_lags=10, delay=4,
                         temperature=0.8, ridge=1e-12, name="vqridge"):
    """A `RidgeCodebook` on the window: no gradient training.

    The run solves it in closed form on the training windows
    (`RidgeCodebook.solve`, called by `kzoo.training` for every layer that
    has `solve`).
    """
    inputs = keras.Input((time_steps, 1), name="series")
    layer = RidgeCodebook(vocab_size, n_lags=n_lags, delay=delay,
                          temperature=temperature, ridge=ridge,
                          name="codebook")
    return Model(inputs, layer(inputs), name=name)


def build_seasonal_ridge_codebook(time_steps=672, vocab_size=100, period=48,
                                  long_period=336, recent=8, spread=2,
                                  temperature=0.6, ridge=1e-4,
                                  name="vqseasonal"):
    """A `RidgeCodebook` whose linear part reads every period of the window.

    The codebook reads a short query: the last two values and the values
    one `period` and one `long_period` back (those inside the window); the
    linear part reads `seasonal_lags(time_steps, period, recent, spread)`,
    the values near every multiple of `period` in the window, so a longer
    window brings more past periods at the same phase (and a few
    parameters each, not `T`). Solved in closed form, as `vqridge`.
    """
    check_int("time_steps", time_steps)
    check_int("long_period", long_period)
    inputs = keras.Input((time_steps, 1), name="series")
    query = tuple(lag for lag in dict.fromkeys((1, 2, period, long_period))
                  if lag <= time_steps)
    layer = RidgeCodebook(
        vocab_size, temperature=temperature, ridge=ridge, lags=query,
        linear_lags=seasonal_lags(time_steps, period, recent, spread),
        name="codebook")
    return Model(inputs, layer(inputs), name=name)
