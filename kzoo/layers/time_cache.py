"""Attention over time through a codebook cache (Transformer-VQ, blockwise).

Keys are quantised to a codebook; every step older than the previous block
is then read through per-code counts and value sums, so a sequence of `T`
steps costs time and memory linear in `T` (Lingle, "Transformer-VQ:
Linear-Time Transformers via Vector Quantization", ICLR 2024).
"""

import keras
from keras import ops

from kzoo.layers.cached_attention import cached_attention
from kzoo.layers.checks import check_fraction
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.layers.product_codebook import ProductCodebook


class _KeyCodebook(ProductCodebook):
    """A `ProductCodebook` whose codes stay per head, `(..., H)` (never
    combined: any `num_codes ** n_head` is allowed)."""

    def __init__(self, vocab_size, n_head, **kwargs):
        kwargs.pop("return_codes", None)
        super().__init__(vocab_size, n_head, **kwargs)
        self.return_codes = True

    def combine_codes(self, codes):
        return codes

    def compute_output_shape(self, input_shape):
        return tuple(input_shape), tuple(input_shape[:-1]) + (self.n_head,)


@keras.saving.register_keras_serializable(package="kzoo")
class CodebookCache(keras.layers.Layer):
    """Causal attention over all past steps with keys quantised to a codebook.

    Per head `h` (of `n_head`, width `d = head_dim`): `q_t = W_q x_t`,
    `k_t = W_k x_{t-l}` (`l = key_lag`; `x_j = 0` for `j < 0`),
    `v_t = W_v x_t`; the key is quantised to its nearest
    row of the head's table `C` (`S = num_codes` rows), `z_t = argmin_s
    ||k_t - c_s||^2`, `k^_t = k_t + sg(c_{z_t} - k_t)` (straight-through),
    and

        out_t = sum_{j<=t} exp(q_t . k^_j / sqrt(d)) v_j
                / sum_{j<=t} exp(q_t . k^_j / sqrt(d)),

    the heads concatenated and projected back to `D` by `W_o`. Because
    every key is one of `S` rows, all steps older than the previous block
    of `L = block_size` steps enter only through per-code counts
    `N_s = #{j : z_j = s}` and value sums `U_s = sum_{j : z_j = s} v_j`
    (cumulative sums over blocks): those steps add
    `sum_s exp(q_t . c_s / sqrt(d)) U_s` to the numerator and
    `sum_s exp(q_t . c_s / sqrt(d)) N_s` to the denominator. The own and
    the previous block are read exactly (a causal `(L, 2L)` score matrix
    per block), so time and memory grow linearly with `T`: no `(T, T)`
    matrix is built. Each query's exponents are shifted by its maximum
    over both parts. `T` need not be a multiple of `L` (padded on the
    right, then cut). With `n_head > 1` each head has its own table
    (method 2, product codes).

    The table is an exponential moving average of the keys assigned to
    each row (`ema=True`, updated in training, as Transformer-VQ) or is
    trained by gradient with the VQ-VAE codebook loss (`ema=False`); the
    commitment loss `commitment_weight * mean((k - sg(c_z))^2)` is added
    through `add_loss`. `codebook.perplexity` and `codebook.usage` are
    logged by `kzoo.models.Model`.

    Args:
        num_codes: rows `S` of each head's table (>= 1).
        n_head: heads `H` (>= 1), each with its own table.
        head_dim: width `d` of a head's queries, keys and values; `None`
            means `D // n_head`.
        block_size: block length `L` (>= 1) of the exact local part.
        key_lag: steps `l` (>= 0) from the input a key reads to its
            value's. With `l = 1` (an induction head's previous-token
            key) a query that matches `x_{j-1}` reads `v_j`, the step
            that followed the match: a recurring segment is continued.
        key_norm: LayerNorm over each head's keys before quantisation
            (per-head `gamma`, `beta`), which keeps keys at the scale of
            the N(0, 1) table.
        commitment_weight: weight of the commitment loss (>= 0).
        ema: update the table by EMA instead of by gradient.
        decay: EMA decay in (0, 1).
        dead_code_threshold: with `ema`, re-seed rows unused for this many
            training steps from the batch's keys; 0 disables.
        return_codes: also return the `(B, T, H)` int32 codes.
        kernel_initializer: of the four projections.
        seed: seed of the table's N(0, 1) initializer and re-seeding.

    Sublayers:
        `query`, `key`, `value` (`Dense(H * d)`), `projection` (`Dense(D)`),
        `codebook` (a hard `ProductCodebook`, table `(H, S, d)`).

    Input shape:
        `(B, T, D)`.

    Output shape:
        `(B, T, D)`; with `return_codes`, also `(B, T, H)` int32 codes.

    Example:

    >>> layer = CodebookCache(8, n_head=2, block_size=4, seed=0)
    >>> tuple(layer(keras.ops.ones((2, 10, 8))).shape)
    (2, 10, 8)
    >>> tuple(layer.codebook.codebook.shape)
    (2, 8, 4)
    """

    def __init__(
        self,
        num_codes,
        n_head=1,
        head_dim=None,
        block_size=32,
        key_lag=0,
        key_norm=True,
        commitment_weight=0.01,
        ema=True,
        decay=0.99,
        dead_code_threshold=0,
        return_codes=False,
        kernel_initializer="glorot_uniform",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_int("num_codes", num_codes)
        check_int("n_head", n_head)
        if head_dim is not None:
            check_int("head_dim", head_dim)
        check_int("block_size", block_size)
        check_int("key_lag", key_lag, minimum=0)
        check_number("commitment_weight", commitment_weight, minimum=0,
                     strict=False)
        check_fraction("decay", decay)
        check_int("dead_code_threshold", dead_code_threshold, minimum=0)
        self.num_codes = num_codes
        self.n_head = n_head
        self.head_dim = head_dim
        self.block_size = block_size
        self.key_lag = key_lag
        self.key_norm = bool(key_norm)
        self.commitment_weight = float(commitment_weight)
        self.ema = bool(ema)
        self.decay = float(decay)
        self.dead_code_threshold = dead_code_threshold
        self.return_codes = bool(return_codes)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed
        self.codebook = _KeyCodebook(
            num_codes, n_head, head_norm=self.key_norm, read="hard",
            commitment_weight=commitment_weight, ema=self.ema,
            train_codebook=not self.ema, decay=decay,
            dead_code_threshold=dead_code_threshold, seed=seed,
            name=f"{self.name}_codebook")

    def _dense(self, units, name):
        return keras.layers.Dense(
            units, name=name, kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)))

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                "The last axis of the input of a CodebookCache must be "
                f"known. Received: input_shape={input_shape}")
        if self.head_dim is None and dim % self.n_head:
            raise ValueError(
                f"`n_head` must divide the feature size D={dim} when "
                f"`head_dim` is None. Received: n_head={self.n_head}")
        self.depth = self.head_dim or dim // self.n_head
        width = self.n_head * self.depth
        hidden = tuple(input_shape[:-1]) + (width,)
        self.query = self._dense(width, "query")
        self.key = self._dense(width, "key")
        self.value = self._dense(width, "value")
        self.projection = self._dense(dim, "output")
        for layer in (self.query, self.key, self.value):
            layer.build(input_shape)
        self.projection.build(hidden)
        self.codebook.build(hidden)

    def call(self, inputs, training=False):
        shape = ops.shape(inputs)
        heads = (shape[0], shape[1], self.n_head, self.depth)
        keys, codes = self.codebook(self.key(self._lagged(inputs)),
                                    training=training)
        out = cached_attention(
            ops.reshape(self.query(inputs), heads), ops.reshape(keys, heads),
            ops.reshape(self.value(inputs), heads), codes,
            self.codebook.grouped_table(), self.block_size)
        out = self.projection(
            ops.reshape(out, (shape[0], shape[1], self.n_head * self.depth)))
        return (out, codes) if self.return_codes else out

    def _lagged(self, inputs):
        """`inputs` moved `key_lag` steps later along time (zeros first)."""
        if not self.key_lag:
            return inputs
        moved = ops.pad(inputs, [[0, 0], [self.key_lag, 0], [0, 0]])
        return moved[:, : ops.shape(inputs)[1]]

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.return_codes:
            return shape, shape[:-1] + (self.n_head,)
        return shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_codes": self.num_codes,
            "n_head": self.n_head,
            "head_dim": self.head_dim,
            "block_size": self.block_size,
            "key_lag": self.key_lag,
            "key_norm": self.key_norm,
            "commitment_weight": self.commitment_weight,
            "ema": self.ema,
            "decay": self.decay,
            "dead_code_threshold": self.dead_code_threshold,
            "return_codes": self.return_codes,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer),
            "seed": self.seed,
        })
        return config
