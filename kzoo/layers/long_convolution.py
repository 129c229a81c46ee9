"""A per-channel causal convolution with a learned kernel as long as the
window, computed by FFT (time `T log T`)."""

import keras
from keras import ops

from kzoo.layers.checks import check_int


def _fft_length(size):
    """The smallest power of two `>= size`."""
    return 1 << max(int(size) - 1, 0).bit_length()


def causal_fft_convolution(x, kernel):
    """`y[b, t, c] = sum_{tau <= t} kernel[tau, c] x[b, t - tau, c]`.

    `x`: `(B, T, C)` with a static `T`; `kernel`: `(K, C)`. Both are
    zero-padded to a power of two `n >= T + min(T, K)` (no circular
    wrap-around)
    and multiplied in the frequency domain (`keras.ops.rfft`, `irfft`).
    """
    length = x.shape[1]
    if length is None:
        raise ValueError(
            "A causal FFT convolution needs a known sequence length. "
            f"Received: input shape {x.shape}")
    # Taps at lags >= T never reach an output: drop them.
    kernel = kernel[:length]
    size = _fft_length(length + kernel.shape[0])
    x_re, x_im = ops.rfft(ops.transpose(x, (0, 2, 1)), fft_length=size)
    h_re, h_im = ops.rfft(ops.transpose(kernel), fft_length=size)
    product = (x_re * h_re - x_im * h_im, x_re * h_im + x_im * h_re)
    y = ops.irfft(product, fft_length=size)[..., :length]
    return ops.transpose(y, (0, 2, 1))


@keras.saving.register_keras_serializable(package="kzoo")
class CausalLongConvolution(keras.layers.Layer):
    """Each channel convolved causally with its own kernel of `K` taps.

        y[t, c] = sum_{tau=0}^{min(t, K-1)} h[tau, c] x[t - tau, c]

    with `K = max_length`, computed by FFT: input and kernel are
    zero-padded to a power of two `>= T + min(T, K)`, so time grows as `T log T`
    and no `(T, T)` matrix is built. A tap `h[tau, c]` addresses the exact
    position `t - tau`: a fixed-lag recall `x[t] = a x[t - tau]` is one
    weight, which a read of per-code means (`CodebookCache`) cannot give.
    Sequences longer than `K` are allowed (older lags weigh 0), and so are
    shorter ones (taps at lags `>= T` are unused).

    The kernel starts at zero (`kernel_initializer="zeros"`): the layer is
    then 0 and a residual block around it starts as the identity, while
    the gradient of each tap is the correlation of the input with the
    output gradient at that lag, so the useful lags grow first.

    Args:
        max_length: kernel length `K` (>= 1), the longest lag read.
        kernel_initializer: of the `(K, C)` kernel (default zeros).

    Variables:
        `kernel`: `(max_length, C)`.

    Input shape:
        `(B, T, C)`, `T` known.

    Output shape:
        `(B, T, C)`.

    Example (a kernel that delays by 2 steps):

    >>> layer = CausalLongConvolution(4)
    >>> x = keras.ops.reshape(keras.ops.arange(1.0, 6.0), (1, 5, 1))
    >>> _ = layer(x)
    >>> _ = layer.kernel.assign([[0.0], [0.0], [1.0], [0.0]])
    >>> out = keras.ops.convert_to_numpy(layer(x))[0, :, 0]
    >>> [round(float(v), 4) for v in out]
    [0.0, 0.0, 1.0, 2.0, 3.0]
    """

    def __init__(self, max_length, kernel_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        check_int("max_length", max_length)
        self.max_length = max_length
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                "The last axis of the input of a CausalLongConvolution must "
                f"be known. Received: input_shape={input_shape}")
        self.kernel = self.add_weight(
            name="kernel", shape=(self.max_length, channels),
            initializer=self.kernel_initializer)

    def call(self, inputs):
        return causal_fft_convolution(inputs, self.kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "max_length": self.max_length,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer),
        })
        return config
