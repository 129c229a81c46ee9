"""Positional encodings for `(B, T, D)` sequences."""

import math

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers.checks import check_int


class _PositionalEncoding(keras.layers.Layer):
    """Base: validates `max_length` and the sequence length `T`."""

    def __init__(self, max_length=None, **kwargs):
        super().__init__(**kwargs)
        if max_length is not None or not self._max_length_optional:
            check_int("max_length", max_length)
        self.max_length = max_length

    _max_length_optional = False

    def _check_length(self, length):
        if (
            self.max_length is not None
            and isinstance(length, int)
            and length > self.max_length
        ):
            raise UsageError(
                f"Sequence length T={length} exceeds `max_length`="
                f"{self.max_length} of layer '{self.name}'."
            )

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise UsageError(
                "A positional encoding expects `(B, T, D)` input with known "
                f"D. Received: input_shape={input_shape}"
            )
        self._check_length(input_shape[1])

    def _positions(self, inputs):
        length = ops.shape(inputs)[1]
        self._check_length(length)
        return length

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["max_length"] = self.max_length
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class RandnPositionalEncoding(_PositionalEncoding):
    """Fixed additive noise encoding, the reference's `scale * randn(T, D)`.

    `out = x + P[:T]` where `P` is drawn once from N(0, scale^2) and never
    trained.

    Args:
        max_length: longest supported `T`.
        scale: standard deviation of the encoding (0.01 in the reference).
        seed: seed of the draw.

    Variables:
        `encoding`: `(max_length, D)`, non-trainable.

    Input shape / output shape: `(B, T, D)` with `T <= max_length`.

    Example:

    >>> layer = RandnPositionalEncoding(96, seed=0)
    >>> tuple(layer(keras.ops.zeros((2, 64, 32))).shape)
    (2, 64, 32)
    >>> tuple(layer.encoding.shape), layer.trainable_weights
    ((96, 32), [])
    """

    def __init__(self, max_length, scale=0.01, seed=None, **kwargs):
        super().__init__(max_length, **kwargs)
        if not isinstance(scale, (int, float)) or scale < 0:
            raise UsageError(f"`scale` must be >= 0. Received: scale={scale!r}")
        self.scale = float(scale)
        self.seed = seed

    def build(self, input_shape):
        super().build(input_shape)
        self.encoding = self.add_weight(
            name="encoding",
            shape=(self.max_length, input_shape[-1]),
            initializer=keras.initializers.RandomNormal(
                stddev=self.scale, seed=self.seed
            ),
            trainable=False,
        )

    def call(self, inputs):
        length = self._positions(inputs)
        return inputs + ops.cast(self.encoding[:length], inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class LearnedPositionalEncoding(_PositionalEncoding):
    """Trainable additive encoding: `out = x + P[:T]`.

    Args:
        max_length: longest supported `T`.
        initializer: initializer of `P` (default N(0, 0.01^2), small next to
            normalised inputs, as the reference notes advise).

    Variables:
        `embeddings`: `(max_length, D)`, trainable.

    Input shape / output shape: `(B, T, D)` with `T <= max_length`.

    Example:

    >>> layer = LearnedPositionalEncoding(96)
    >>> tuple(layer(keras.ops.zeros((2, 64, 32))).shape)
    (2, 64, 32)
    >>> [tuple(w.shape) for w in layer.trainable_weights]
    [(96, 32)]
    """

    def __init__(self, max_length, initializer=None, **kwargs):
        super().__init__(max_length, **kwargs)
        if initializer is None:
            initializer = keras.initializers.RandomNormal(stddev=0.01)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        super().build(input_shape)
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.max_length, input_shape[-1]),
            initializer=self.initializer,
        )

    def call(self, inputs):
        length = self._positions(inputs)
        return inputs + ops.cast(self.embeddings[:length], inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["initializer"] = keras.initializers.serialize(self.initializer)
        return config


def sinusoid_angles(length, dim, base):
    """`(T, dim // 2)` angles `t * base ** (-2 i / dim)`."""
    positions = ops.cast(ops.arange(length), "float32")[:, None]
    exponents = ops.cast(ops.arange(dim // 2), "float32") * (-2.0 / dim)
    return positions * ops.exp(exponents * math.log(base))[None, :]


@keras.saving.register_keras_serializable(package="kzoo")
class SinusoidalPositionalEncoding(_PositionalEncoding):
    """Fixed sinusoidal encoding (Vaswani et al.), added with a scale.

    `P[t, 2i] = sin(t / base^(2i/D))`, `P[t, 2i+1] = cos(t / base^(2i/D))`,
    `out = x + scale * P[:T]`. `D` must be even.

    Args:
        max_length: longest supported `T`; `None` for no limit.
        scale: multiplier of the encoding (default 1.0).
        base: wavelength base (default 10000).

    Input shape / output shape: `(B, T, D)`.

    Example:

    >>> out = SinusoidalPositionalEncoding()(keras.ops.zeros((1, 3, 2)))
    >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(out)[0, :, 0]]
    [0.0, 0.8415, 0.9093]
    """

    _max_length_optional = True

    def __init__(self, max_length=None, scale=1.0, base=10000.0, **kwargs):
        super().__init__(max_length, **kwargs)
        if not isinstance(scale, (int, float)):
            raise UsageError(f"`scale` must be a number. Received: {scale!r}")
        if not isinstance(base, (int, float)) or base <= 1:
            raise UsageError(f"`base` must be > 1. Received: base={base!r}")
        self.scale = float(scale)
        self.base = float(base)

    def build(self, input_shape):
        super().build(input_shape)
        if input_shape[-1] % 2:
            raise UsageError(
                "SinusoidalPositionalEncoding needs an even D. "
                f"Received: D={input_shape[-1]}"
            )

    def call(self, inputs):
        length = self._positions(inputs)
        dim = inputs.shape[-1]
        angles = sinusoid_angles(length, dim, self.base)
        encoding = ops.reshape(
            ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1),
            (length, dim),
        )
        return inputs + ops.cast(self.scale * encoding, inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "base": self.base})
        return config


@keras.saving.register_keras_serializable(package="kzoo")
class RotaryPositionalEncoding(_PositionalEncoding):
    """Rotary encoding (RoPE), applied to the queries of a codebook read.

    The features split into halves `(x1, x2)`; position `t` rotates each
    pair by `theta_i = t * base^(-2i/D)`:
    `out = [x1 cos - x2 sin, x2 cos + x1 sin]`. Norms are preserved, so a
    soft read sees the position through the angle between query and rows.

    Args:
        max_length: longest supported `T`; `None` for no limit.
        base: wavelength base (default 10000).

    Input shape / output shape: `(B, T, D)`, `D` even.

    Example (norms are kept):

    >>> x = keras.ops.ones((1, 3, 4))
    >>> out = RotaryPositionalEncoding()(x)
    >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(
    ...     keras.ops.norm(out, axis=-1))[0]]
    [2.0, 2.0, 2.0]
    """

    _max_length_optional = True

    def __init__(self, max_length=None, base=10000.0, **kwargs):
        super().__init__(max_length, **kwargs)
        if not isinstance(base, (int, float)) or base <= 1:
            raise UsageError(f"`base` must be > 1. Received: base={base!r}")
        self.base = float(base)

    def build(self, input_shape):
        super().build(input_shape)
        if input_shape[-1] % 2:
            raise UsageError(
                "RotaryPositionalEncoding needs an even D. "
                f"Received: D={input_shape[-1]}"
            )

    def call(self, inputs):
        length = self._positions(inputs)
        dim = inputs.shape[-1]
        angles = sinusoid_angles(length, dim, self.base)
        cos = ops.cast(ops.cos(angles), inputs.dtype)
        sin = ops.cast(ops.sin(angles), inputs.dtype)
        x1, x2 = inputs[..., : dim // 2], inputs[..., dim // 2 :]
        return ops.concatenate(
            [x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1
        )

    def get_config(self):
        config = super().get_config()
        config["base"] = self.base
        return config


ENCODINGS = {
    "randn": RandnPositionalEncoding,
    "sin": SinusoidalPositionalEncoding,
    "rope": RotaryPositionalEncoding,
    "learned": LearnedPositionalEncoding,
}
