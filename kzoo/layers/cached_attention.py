"""Causal softmax attention over quantised keys, blockwise in time.

The computation behind `kzoo.layers.CodebookCache` (Transformer-VQ,
Lingle, ICLR 2024): every key is a codebook row, so steps older than the
previous block enter through per-code counts and value sums, and a
sequence of `T` steps costs time and memory linear in `T`.
"""

import math

from keras import ops

from kzoo.backend import scans

# Logit of a masked score: exp(NEG - max) is 0 in float32, and finite
# arithmetic keeps fully masked rows free of NaN.
NEG = -1e9


def _shift_blocks(x, steps):
    """`x` moved `steps` blocks later along axis 2 (zeros first)."""
    widths = [[0, 0]] * len(x.shape)
    widths[2] = [steps, 0]
    return ops.pad(x, widths)[:, :, : ops.shape(x)[2]]


def cached_attention(query, key, value, codes, table, block_size):
    """Causal softmax attention with quantised keys, blockwise in time.

    `out_t = sum_{j<=t} exp(q_t . k_j / sqrt(d)) v_j / sum_{j<=t} exp(...)`
    where every `k_j` is a row of `table` (`k_j = table[codes_j]` in value).
    A query reads its own block and the previous one exactly (a causal
    `(L, 2L)` score matrix) and every older step through the cache: the
    count `N_s` and value sum `U_s` of each code `s`, summed over blocks,
    contributing `exp(q_t . c_s / sqrt(d)) U_s` and `... N_s`.

    Args:
        query, key: `(B, T, H, d)`; `key` quantised (straight-through).
        value: `(B, T, H, e)`.
        codes: `(B, T, H)` int codes of the keys.
        table: `(H, S, d)` codebook rows per head.
        block_size: block length `L`; `T` is padded to a multiple of it.

    Returns:
        `(B, T, H, e)`.
    """
    shape = ops.shape(query)
    length, size = shape[1], block_size
    pad = (-length) % size
    if not isinstance(pad, int) or pad:
        widths = [[0, 0], [0, pad], [0, 0], [0, 0]]
        query, key, value = (ops.pad(t, widths) for t in (query, key, value))
        codes = ops.pad(codes, widths[:3])

    def blocks(x):  # (B, T, H, e) -> (B, H, n, L, e)
        x = ops.reshape(x, (shape[0], -1, size) + tuple(ops.shape(x)[2:]))
        return ops.transpose(x, (0, 3, 1, 2, 4))

    q, k, v = blocks(query), blocks(key), blocks(value)
    n_block = ops.shape(q)[2]
    scale = 1.0 / math.sqrt(query.shape[-1])

    # Exact part: the previous block and the own block, causally.
    k2 = ops.concatenate([_shift_blocks(k, 1), k], axis=3)
    v2 = ops.concatenate([_shift_blocks(v, 1), v], axis=3)
    local = ops.einsum("bhnld,bhnmd->bhnlm", q, k2) * scale
    rows = ops.arange(size)[:, None]
    cols = ops.arange(2 * size)[None, :]
    first = ops.arange(n_block)[:, None, None] == 0
    allowed = ops.logical_and(
        cols <= rows + size,
        ops.logical_or(ops.logical_not(first), cols >= size))
    local = ops.where(allowed, local, NEG)

    # Cache: per-code counts and value sums of the blocks before those two.
    codes = ops.transpose(
        ops.reshape(codes, (shape[0], -1, size, shape[2])), (0, 3, 1, 2))
    one_hot = ops.one_hot(codes, table.shape[1], dtype=v.dtype)
    counts = _shift_blocks(scans.cumsum(ops.sum(one_hot, axis=3), axis=2), 2)
    sums = ops.einsum("bhnls,bhnle->bhnse", one_hot, v)
    sums = _shift_blocks(scans.cumsum(sums, axis=2), 2)
    cached = ops.einsum("bhnld,hsd->bhnls", q, table) * scale
    cached = ops.where(counts[:, :, :, None, :] > 0, cached, NEG)

    # One maximum per query over both parts: every exponent is <= 0.
    top = ops.stop_gradient(ops.maximum(
        ops.max(local, axis=-1, keepdims=True),
        ops.max(cached, axis=-1, keepdims=True)))
    w_local = ops.exp(local - top)
    w_cached = ops.exp(cached - top)
    numerator = (ops.einsum("bhnlm,bhnme->bhnle", w_local, v2)
                 + ops.einsum("bhnls,bhnse->bhnle", w_cached, sums))
    denominator = (ops.sum(w_local, axis=-1)
                   + ops.einsum("bhnls,bhns->bhnl", w_cached, counts))
    out = numerator / denominator[..., None]
    out = ops.transpose(out, (0, 2, 3, 1, 4))
    out = ops.reshape(out, (shape[0], -1) + tuple(ops.shape(out)[3:]))
    return out[:, :length]
