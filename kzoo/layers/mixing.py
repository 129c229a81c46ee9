"""Causal time mixing in MLP form: delay embedding and token mixing."""

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers.checks import check_int


@keras.saving.register_keras_serializable(package="kzoo")
class DelayEmbedding(keras.layers.Layer):
    """Each token carries its last `patch` values (a causal delay embedding).

    `out[:, t] = concat(x[:, t - patch + 1], ..., x[:, t])` over features,
    with zeros before the start of the sequence. Nothing from the future.

    Args:
        patch: number of values per token, `P >= 1`.

    Input shape: `(B, T, F)`. Output shape: `(B, T, P * F)` (oldest first).

    Example:

    >>> x = keras.ops.reshape(keras.ops.arange(4.0), (1, 4, 1))
    >>> keras.ops.convert_to_numpy(DelayEmbedding(2)(x))[0].tolist()
    [[0.0, 0.0], [0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
    """

    def __init__(self, patch, **kwargs):
        super().__init__(**kwargs)
        check_int("patch", patch)
        self.patch = patch

    def call(self, inputs):
        if self.patch == 1:
            return inputs
        length = ops.shape(inputs)[1]
        padded = ops.pad(inputs, [[0, 0], [self.patch - 1, 0], [0, 0]])
        return ops.concatenate(
            [padded[:, i : i + length] for i in range(self.patch)], axis=-1
        )

    def compute_output_shape(self, input_shape):
        features = input_shape[-1]
        return tuple(input_shape[:-1]) + (
            None if features is None else features * self.patch,
        )

    def get_config(self):
        config = super().get_config()
        config["patch"] = self.patch
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class CausalTokenMixing(keras.layers.Layer):
    """TSMixer-style time mixing with weights masked to the past.

    `out = x + W2 relu(W1 LN(x) + b1) + b2` where `W1`, `W2` act across the
    time axis (`(T, T)` matrices, lower-triangular: position `t` mixes
    positions `s <= t` only) and are shared by all features. With
    `T < max_length` the top-left `(T, T)` block is used.

    Args:
        max_length: longest supported `T`.
        layer_norm_epsilon: epsilon of the LayerNorm over features.

    Variables:
        `time_kernel_1`, `time_kernel_2`: `(max_length, max_length)`;
        `time_bias_1`, `time_bias_2`: `(max_length,)`.

    Input shape / output shape: `(B, T, D)`, `T <= max_length`.

    Example:

    >>> layer = CausalTokenMixing(112)
    >>> tuple(layer(keras.ops.ones((2, 96, 32))).shape)
    (2, 96, 32)
    >>> tuple(layer.time_kernel_1.shape)
    (112, 112)
    """

    def __init__(self, max_length, layer_norm_epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        check_int("max_length", max_length)
        self.max_length = max_length
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, name="norm"
        )

    def build(self, input_shape):
        length = input_shape[1]
        if isinstance(length, int) and length > self.max_length:
            raise UsageError(
                f"Sequence length T={length} exceeds `max_length`="
                f"{self.max_length} of layer '{self.name}'."
            )
        if not self.norm.built:
            self.norm.build(input_shape)
        size = (self.max_length, self.max_length)
        init = keras.initializers.GlorotUniform()
        self.time_kernel_1 = self.add_weight(
            name="time_kernel_1", shape=size, initializer=init)
        self.time_bias_1 = self.add_weight(
            name="time_bias_1", shape=(self.max_length,), initializer="zeros")
        self.time_kernel_2 = self.add_weight(
            name="time_kernel_2", shape=size, initializer=init)
        self.time_bias_2 = self.add_weight(
            name="time_bias_2", shape=(self.max_length,), initializer="zeros")

    def _mix(self, x, kernel, bias, length):
        # x: (B, T, D); kernel[t, s] weighs position s for output t.
        causal = ops.tril(ops.ones((length, length), dtype=x.dtype))
        weights = kernel[:length, :length] * causal
        mixed = ops.matmul(weights, x)  # (T, T) @ (B, T, D) -> (B, T, D)
        return mixed + bias[:length][None, :, None]

    def call(self, inputs):
        length = inputs.shape[1]
        if length is None:
            length = ops.shape(inputs)[1]
        hidden = self.norm(inputs)
        hidden = ops.relu(
            self._mix(hidden, self.time_kernel_1, self.time_bias_1, length))
        return inputs + self._mix(
            hidden, self.time_kernel_2, self.time_bias_2, length)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"max_length": self.max_length,
                       "layer_norm_epsilon": self.layer_norm_epsilon})
        return config
