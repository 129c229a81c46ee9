"""Pure codebook reads: soft and hard VQ over grouped tables (`keras.ops`).

A *grouped* table has shape `(G, V, d)`: `G` independent tables (heads) of
`V` rows of width `d`. A flat `Codebook` is the case `G = 1`, `d = D`; a
`ProductCodebook` has `G = n_head`, `d = D / n_head`. Queries are grouped
the same way, `(N, G, d)`. Nothing here owns a variable: the layers in
`base_codebook.py` do.
"""

import keras
from keras import ops

from kzoo.backend import reductions
from kzoo.layers import chunked_reads


def soft_read(queries, table, scale, temperature=1.0, chunk=None,
              table_grad=True):
    """Soft VQ read: `p = softmax(q @ E.T * scale / temperature)`, `p @ E`.

    Args:
        queries: `(N, G, d)`.
        table: `(G, V, d)`.
        scale: multiplier of the logits (the reference uses `1/sqrt(D)`).
        temperature: divides the logits.
        chunk: `None` materialises the `(N, V)` logits; an int reads the
            table that many rows at a time
            (`chunked_reads.chunked_soft_read`, same values).
        table_grad: chunked reads, whether the table needs a gradient.

    Returns:
        `(out, codes)`: `(N, G, d)` read values and `(N, G)` argmax codes.
    """
    if chunk is not None:
        return chunked_reads.chunked_soft_read(
            queries, table, scale, temperature, chunk, table_grad)
    factor = scale / temperature
    if queries.shape[1] == 1 and _torch():
        return _torch_reads().soft_read(queries, table, factor)
    if queries.shape[1] == 1:
        # One table: plain 2-D matmuls. XLA on CPU differentiates the
        # batched form below about four times slower (one group only).
        logits = ops.matmul(queries[:, 0], ops.transpose(table[0])) * factor
        out = ops.matmul(ops.softmax(logits, axis=-1), table[0])
        return out[:, None, :], reductions.argmax(logits)[:, None]
    # Group-major batched matmuls: several times faster than the
    # equivalent einsum on XLA CPU.
    logits = group_logits(queries, table) * factor
    probs = ops.softmax(logits, axis=-1)
    out = ops.transpose(ops.matmul(probs, table), (1, 0, 2))
    return out, ops.transpose(reductions.argmax(logits))


def group_logits(queries, table):
    """`(G, N, V)` dot products of `(N, G, d)` queries with `(G, V, d)` rows."""
    return ops.matmul(
        ops.transpose(queries, (1, 0, 2)), ops.transpose(table, (0, 2, 1))
    )


def nearest_codes(queries, table, chunk=None):
    """Index of the nearest row (squared L2) of each group's table.

    Args:
        queries: `(N, G, d)`.
        table: `(G, V, d)`.
        chunk: `None` materialises the `(N, V)` distances; an int compares
            that many rows at a time (`chunked_reads.chunked_nearest_codes`,
            same codes).

    Returns:
        `(N, G)` int32 codes.
    """
    if chunk is not None:
        return chunked_reads.chunked_nearest_codes(queries, table, chunk)
    distances = (
        ops.transpose(ops.sum(ops.square(queries), axis=-1))[..., None]
        - 2.0 * group_logits(queries, table)
        + ops.sum(ops.square(table), axis=-1)[:, None, :]
    )
    return ops.transpose(reductions.argmin(distances))


def lookup(table, codes):
    """Rows of a grouped table: `table[g, codes[n, g]]`, shape `(N, G, d)`."""
    n_group, vocab_size, dim = ops.shape(table)
    offsets = ops.arange(n_group, dtype="int32") * vocab_size
    flat = ops.reshape(table, (n_group * vocab_size, dim))
    return ops.take(flat, codes + offsets[None, :], axis=0)


def code_counts(codes, n_group, vocab_size):
    """How often each row was chosen: `(G, V)` float32 counts."""
    if _torch():
        return _torch_reads().code_counts(codes, n_group, vocab_size)
    offsets = ops.arange(n_group, dtype="int32") * vocab_size
    flat = ops.reshape(codes + offsets[None, :], (-1,))
    counts = ops.segment_sum(
        ops.ones_like(flat, dtype="float32"),
        flat,
        num_segments=n_group * vocab_size,
    )
    return ops.reshape(counts, (n_group, vocab_size))


def code_sums(queries, codes, vocab_size):
    """Sum of the queries `(N, G, d)` that chose each row: `(G, V, d)`."""
    n_group, dim = queries.shape[1], queries.shape[2]
    offsets = ops.arange(n_group, dtype="int32") * vocab_size
    sums = ops.segment_sum(
        ops.reshape(queries, (-1, dim)),
        ops.reshape(codes + offsets[None, :], (-1,)),
        num_segments=n_group * vocab_size,
    )
    return ops.reshape(sums, (n_group, vocab_size, dim))


def perplexity_and_usage(counts):
    """Mean over groups of `exp(entropy)` and of the fraction of rows used."""
    if _torch():
        return _torch_reads().perplexity_and_usage(counts)
    total = ops.maximum(ops.sum(counts, axis=-1, keepdims=True), 1.0)
    probs = counts / total
    entropy = -ops.sum(probs * ops.log(probs + 1e-10), axis=-1)
    usage = ops.mean(ops.cast(counts > 0, "float32"), axis=-1)
    return ops.mean(ops.exp(entropy)), ops.mean(usage)


def _torch():
    """On torch, the dense read and the statistics run in plain PyTorch
    (`kzoo.backend.torch_reads`: Keras's per-op dispatch is most of their
    time there)."""
    return keras.backend.backend() == "torch"


def _torch_reads():
    from kzoo.backend import torch_reads

    return torch_reads
