"""What wraps a network into a forecaster: window normalisation, changes.

Every neural model of kzoo maps a window `(B, T, 1)` of z-scored values to
the next value (`target="last"`, `(B, 1)`) or to the next value of every
position (`target="aligned"`, `(B, T, 1)`). Three options change what the
network itself predicts or sees:

- `ChangeForecast`: the network predicts the change from the last input
  value, `out = x_last + net(x)` (for aligned targets, position `t` adds
  `x_t`): a persistence path the network only corrects.
- `AutoregressivePath`: a linear autoregression on the last values added
  to the network's forecast (LSTNet's autoregressive component).
- `WindowNormalization` / `WindowDenormalization`: RevIN (Kim et al.,
  2022): each window is normalised by its own mean and standard deviation,
  the network sees the normalised window, and its output is scaled back.
  For aligned targets the statistics are causal (position `t` uses values
  `0..t` only), else the model could read a position's future from them.
"""

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers.checks import check_choice
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number

TARGETS = ("aligned", "last")


def _last(values, target):
    """The last value before each forecast: `(B, T, F)` or `(B, F)`."""
    return values if target == "aligned" else values[:, -1, :]


@keras.saving.register_keras_serializable(package="kzoo")
class ChangeForecast(keras.layers.Layer):
    """Adds the last input value to a network's forecast of the change.

    `out = x_last + change`, where `x_last` is the window's last value for
    `target="last"` and, for `target="aligned"`, each position's own value.

    Args:
        target: `"aligned"` or `"last"`.

    Call arguments:
        inputs: `[window, change]`: the `(B, T, F)` window and the network's
            output, `(B, T, F)` (aligned) or `(B, F)` (last).

    Output shape: that of `change`.

    Example:

    >>> window = keras.ops.reshape(keras.ops.arange(6.0), (2, 3, 1))
    >>> out = ChangeForecast("last")([window, keras.ops.ones((2, 1))])
    >>> keras.ops.convert_to_numpy(out)[:, 0].tolist()
    [3.0, 6.0]
    """

    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        check_choice("target", target, TARGETS)
        self.target = target

    def call(self, inputs):
        window, change = inputs
        return _last(window, self.target) + change

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["target"] = self.target
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class WindowNormalization(keras.layers.Layer):
    """RevIN's first half: normalise each window by its own statistics.

    `out = (x - mean) / sqrt(var + epsilon)` over the time axis, per window
    and feature; with `causal=True` the statistics at position `t` are those
    of positions `0..t` (a running mean and variance).

    Args:
        causal: running statistics (for aligned targets) or whole-window
            ones.
        epsilon: added to the variance (> 0).

    Input shape: `(B, T, F)`. Output: `[normalised, mean, std]`, the first
    `(B, T, F)`, the statistics `(B, T, F)` (causal) or `(B, 1, F)`.

    Example:

    >>> x = keras.ops.reshape(keras.ops.arange(4.0), (1, 4, 1))
    >>> normed, mean, std = WindowNormalization(causal=False)(x)
    >>> float(keras.ops.mean(normed)), float(mean[0, 0, 0])
    (0.0, 1.5)
    """

    def __init__(self, causal=False, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        check_number("epsilon", epsilon, minimum=0)
        self.causal = bool(causal)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        if self.causal:
            count = ops.cast(ops.arange(1, ops.shape(inputs)[1] + 1),
                             inputs.dtype)[None, :, None]
            mean = ops.cumsum(inputs, axis=1) / count
            variance = ops.cumsum(ops.square(inputs), axis=1) / count - (
                ops.square(mean))
            variance = ops.maximum(variance, 0.0)
        else:
            mean = ops.mean(inputs, axis=1, keepdims=True)
            variance = ops.var(inputs, axis=1, keepdims=True)
        std = ops.sqrt(variance + self.epsilon)
        return [(inputs - mean) / std, mean, std]

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        stats = shape if self.causal else (shape[0], 1, shape[2])
        return [shape, stats, stats]

    def get_config(self):
        config = super().get_config()
        config.update({"causal": self.causal, "epsilon": self.epsilon})
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class WindowDenormalization(keras.layers.Layer):
    """RevIN's second half: scale a forecast back, `out * std + mean`.

    Args:
        target: `"aligned"` (position `t` uses the statistics of `t`) or
            `"last"` (the statistics at the window's end).

    Call arguments:
        inputs: `[forecast, mean, std]` from the network and
            `WindowNormalization`.

    Output shape: that of `forecast`.

    Example:

    >>> x = keras.ops.reshape(keras.ops.arange(4.0), (1, 4, 1))
    >>> normed, mean, std = WindowNormalization()(x)
    >>> back = WindowDenormalization("aligned")([normed, mean, std])
    >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(back)[0, :, 0]]
    [0.0, 1.0, 2.0, 3.0]
    """

    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        check_choice("target", target, TARGETS)
        self.target = target

    def call(self, inputs):
        forecast, mean, std = inputs
        return forecast * _last(std, self.target) + _last(mean, self.target)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config["target"] = self.target
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class AutoregressivePath(keras.layers.Layer):
    """Adds a linear autoregression on the last `order` values to a forecast.

    LSTNet's autoregressive component (Lai et al., 2018): a linear path
    beside the network, `out = forecast + sum_i W_i x[t - i] + b` over the
    lags `i = 0..order-1` (at each position for `target="aligned"`, zeros
    before the window's start; at the window's end for `target="last"`).
    The network is left to model what the linear autoregression cannot.
    The weights start at zero: at initialisation the model is its network.

    Args:
        order: number of past values the path reads, `>= 1`.
        target: `"aligned"` or `"last"`.

    Variables:
        `ar_kernel`: `(order, F, F)`, oldest lag first; `ar_bias`: `(F,)`.

    Call arguments:
        inputs: `[window, forecast]`: the `(B, T, F)` window and the
            network's output, `(B, T, F)` (aligned) or `(B, F)` (last);
            `T >= order` for `"last"`.

    Output shape: that of `forecast`.

    Example:

    >>> window = keras.ops.reshape(keras.ops.arange(6.0), (2, 3, 1))
    >>> layer = AutoregressivePath(2, "last")
    >>> _ = layer([window, keras.ops.zeros((2, 1))])  # builds: all zeros
    >>> _ = layer.ar_kernel.assign([[[0.5]], [[1.0]]])
    >>> out = layer([window, keras.ops.zeros((2, 1))])
    >>> keras.ops.convert_to_numpy(out)[:, 0].tolist()
    [2.5, 7.0]
    """

    def __init__(self, order, target, **kwargs):
        super().__init__(**kwargs)
        check_int("order", order)
        check_choice("target", target, TARGETS)
        self.order = order
        self.target = target

    def build(self, input_shape):
        window_shape = input_shape[0]
        length, features = window_shape[1], window_shape[-1]
        if self.target == "last" and isinstance(length, int) and (
                length < self.order):
            raise UsageError(
                f"order={self.order} of layer '{self.name}' exceeds the "
                f"window length T={length}.")
        self.ar_kernel = self.add_weight(
            name="ar_kernel", shape=(self.order, features, features),
            initializer="zeros")
        self.ar_bias = self.add_weight(
            name="ar_bias", shape=(features,), initializer="zeros")

    def call(self, inputs):
        window, forecast = inputs
        if self.target == "last":
            lags = window[:, -self.order:, :]
            linear = ops.einsum("btf,tfg->bg", lags, self.ar_kernel)
        else:
            padded = ops.pad(window, [[0, 0], [self.order - 1, 0], [0, 0]])
            linear = ops.conv(padded, self.ar_kernel, padding="valid")
        return forecast + linear + self.ar_bias

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"order": self.order, "target": self.target})
        return config
