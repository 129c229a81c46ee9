"""Content recall through an implicit codebook (a hard induction head).

Every step's key is quantised to one of `S` codes without a table: each key
value falls in one of `levels` equiprobable bins of N(0, 1), as Finite
Scalar Quantization (Mentzer et al., ICLR 2024) rounds bounded values to a
grid. A step then reads the mean of the values that followed the earlier
steps sharing its code, the induction-head read of Olsson et al. (2022)
with exact code matches in place of a softmax. Sorting the codes makes the
read `T log T` in time and linear in memory, whatever `S` is: no `(T, S)`
score or one-hot is built, so the vocabulary can reach `2^20` codes.
"""

import math

import keras
from keras import ops

from kzoo.layers.checks import check_int

#: Codes times steps must stay below this (the sort key is int32).
MAX_KEY = 2 ** 31


def sortable(num_codes, length):
    """Whether codes `< num_codes` over `length` steps fit the int32 sort
    keys (`num_codes * length < MAX_KEY`)."""
    return num_codes * length < MAX_KEY


def codes_per_head(levels, n_head, key_width):
    """Codes `S = levels ** (key_width / n_head)` of one head."""
    return levels ** (key_width // n_head)


def normal_levels(x, levels):
    """`floor(levels * Phi(x))` in `[0, levels - 1]`: the equiprobable bin
    of N(0, 1) that holds each value (int32)."""
    cdf = 0.5 * (1.0 + ops.erf(x / math.sqrt(2.0)))
    bins = ops.floor(cdf * levels)
    return ops.cast(ops.clip(bins, 0, levels - 1), "int32")


def _rows_take(x, index):
    """`x[r, index[r, t]]` for `x` `(R, T, ...)` and `index` `(R, T)`."""
    rows, length = ops.shape(index)[0], ops.shape(index)[1]
    offsets = ops.arange(rows, dtype="int32")[:, None] * length
    flat = ops.reshape(x, (-1,) + tuple(ops.shape(x)[2:]))
    taken = ops.take(flat, ops.reshape(index + offsets, (-1,)), axis=0)
    return ops.reshape(taken, ops.shape(x))


def recall_read(codes, values):
    """Mean of the values that followed earlier steps of the same code.

    `read_t = sum_{j < t, z_j = z_t} v_{j+1} / N_t`,
    `N_t = #{j < t : z_j = z_t}` (`read_t = 0` where `N_t = 0`), per row.

    The steps are sorted by `(code, time)`; within a code, an exclusive
    cumulative sum of the paired values `v_{j+1}` gives every step the sum
    over its earlier matches, less the sum where its code's run begins,
    and its distance from that step gives `N_t`.

    Args:
        codes: `(R, T)` int32 codes, `0 <= z < MAX_KEY / T`.
        values: `(R, T, E)` float values.

    Returns:
        `(reads, counts)`: `(R, T, E)` and `(R, T)` float.
    """
    length = ops.shape(codes)[1]
    steps = ops.arange(length, dtype="int32")[None, :]
    order = ops.argsort(codes * length + steps, axis=-1)
    ranked = ops.cast(_rows_take(codes[..., None], order)[..., 0], "int32")
    # v_{j+1} beside the key of step j (the last step's is never read).
    paired = ops.pad(values[:, 1:], [[0, 0], [0, 1], [0, 0]])
    ranked_values = _rows_take(paired, order)
    before = ops.cumsum(ranked_values, axis=1) - ranked_values
    first = ops.concatenate(
        [ops.ones_like(ranked[:, :1], dtype="bool"),
         ops.not_equal(ranked[:, 1:], ranked[:, :-1])], axis=1)
    position = ops.broadcast_to(steps, ops.shape(ranked))
    # Where each code's run begins: the k-th run start, k the runs so far
    # (run starts sorted to the front, the other steps after them).
    starts = ops.sort(ops.where(first, position, position + length), axis=1)
    runs = ops.cumsum(ops.cast(first, "int32"), axis=1) - 1
    start = _rows_take(starts[..., None], runs)[..., 0]
    sums = before - _rows_take(before, start)
    counts = ops.cast(position - start, values.dtype)
    reads = sums / ops.maximum(counts, 1.0)[..., None]
    back = ops.argsort(order, axis=-1)
    return _rows_take(reads, back), _rows_take(counts[..., None], back)[
        ..., 0]


@keras.saving.register_keras_serializable(package="kzoo")
class CodebookRecall(keras.layers.Layer):
    """Content recall: read what followed the earlier steps of the same code.

    The keys `k_t` (`K` values, expected near N(0, 1), such as a z-scored
    series' last `K` values) are split into `H = n_head` groups of `K / H`
    consecutive values. In head `h` each value is put in one of
    `L = levels` equiprobable bins of N(0, 1), `b = floor(L Phi(k))`, and
    the bins form the code `z_t^h = sum_i b_i L^i`, one of
    `S = L^(K/H)` codes (an implicit product codebook, method 2). Then

        N_t^h = #{j < t : z_j^h = z_t^h},
        r_t^h = sum_{j < t, z_j^h = z_t^h} v_{j+1} / N_t^h   (0 if N = 0),

    the mean of the values that followed the step's earlier matches: an
    induction head with hard code matches. The output concatenates, per
    head, `r_t^h` and `log(1 + N_t^h)`. A step reads only values up to
    its own (`j + 1 <= t`): causal. The reads are computed by sorting the
    steps by code (`recall_read`): time `T log T` and memory linear in
    `T`, for any `S`.

    Codes are not differentiable: no gradient reaches the keys, and the
    values get theirs through the reads.

    Args:
        levels: bins `L >= 2` per key value.
        n_head: heads `H >= 1`; must divide the key width `K`.

    Input shape:
        `[keys (B, T, K), values (B, T, E)]`.

    Output shape:
        `(B, T, H (E + 1))`: per head, `E` read values then
        `log(1 + N)`.

    Example:

    >>> keys = keras.ops.convert_to_tensor([[[0.5], [-1.0], [0.5], [0.4]]])
    >>> values = keras.ops.convert_to_tensor([[[1.0], [2.0], [3.0], [4.0]]])
    >>> out = CodebookRecall(levels=4)([keys, values])
    >>> keras.ops.convert_to_numpy(out)[0, :, 0].tolist()
    [0.0, 0.0, 2.0, 3.0]
    """

    def __init__(self, levels, n_head=1, **kwargs):
        super().__init__(**kwargs)
        check_int("levels", levels, minimum=2)
        check_int("n_head", n_head)
        self.levels = levels
        self.n_head = n_head

    def num_codes(self, key_width):
        """Codes `S = levels ** (key_width / n_head)` of one head."""
        return codes_per_head(self.levels, self.n_head, key_width)

    def build(self, input_shape):
        key_shape, value_shape = input_shape
        width = key_shape[-1]
        if width is None or value_shape[-1] is None:
            raise ValueError(
                "The last axes of the keys and values of a CodebookRecall "
                f"must be known. Received: input_shape={input_shape}")
        if width % self.n_head:
            raise ValueError(
                f"`n_head` must divide the key width K={width}. Received: "
                f"n_head={self.n_head}")
        length = key_shape[1]
        if length is not None and not sortable(self.num_codes(width), length):
            raise ValueError(
                f"CodebookRecall: codes S={self.num_codes(width)} times "
                f"steps T={length} must be below 2^31 (int32 sort keys); "
                "use fewer levels or more heads")
        self.width = width

    def call(self, inputs):
        keys, values = inputs
        shape = ops.shape(keys)
        batch, length = shape[0], shape[1]
        group = self.width // self.n_head
        bins = normal_levels(
            ops.reshape(keys, (batch, length, self.n_head, group)),
            self.levels)
        powers = ops.convert_to_tensor(
            [self.levels ** i for i in range(group)], dtype="int32")
        codes = ops.sum(bins * powers, axis=-1)  # (B, T, H)
        codes = ops.reshape(ops.transpose(codes, (0, 2, 1)), (-1, length))
        width = ops.shape(values)[-1]
        rows = ops.repeat(values[:, None], self.n_head, axis=1)
        reads, counts = recall_read(
            codes, ops.reshape(rows, (-1, length, width)))
        out = ops.concatenate([reads, ops.log1p(counts)[..., None]], axis=-1)
        out = ops.reshape(out, (batch, self.n_head, length, width + 1))
        return ops.reshape(ops.transpose(out, (0, 2, 1, 3)),
                           (batch, length, self.n_head * (width + 1)))

    def compute_output_shape(self, input_shape):
        key_shape, value_shape = input_shape
        width = value_shape[-1]
        return tuple(key_shape[:-1]) + (
            None if width is None else self.n_head * (width + 1),)

    def get_config(self):
        config = super().get_config()
        config.update({"levels": self.levels, "n_head": self.n_head})
        return config
