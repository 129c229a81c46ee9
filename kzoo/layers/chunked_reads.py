"""Chunked codebook reads: the table read `chunk` rows at a time.

A soft read is attention whose keys and values are both the table's rows,
`softmax(s * q E^T) E`. The dense read (`kzoo.layers.reads.soft_read`)
materialises the `(N, V)` logits and probabilities: for the 6144 queries of
a batch of 64 x 96 tokens and a table of 2^20 rows that is 24 GiB per
matrix. Here the rows are read `chunk` at a time, FlashAttention's recipe
(Dao et al., 2022): the forward pass keeps, for each query, the running
maximum of the logits, the running sum of their exponentials and the
running argmax; the backward pass recomputes each chunk's probabilities
from the log-sum-exp `lse` saved by the forward pass instead of storing
them. With `P = softmax(S)`, `S = s Q E^T`, `O = P E` and `dO` the
gradient of the output, `D = rowsum(dO * O)` and, per chunk `c`:

    P_c = exp(S_c - lse)            dS_c = P_c * (dO E_c^T - D)
    dQ += s dS_c E_c                dE_c = P_c^T dO + s dS_c^T Q

Memory grows with `N * chunk`, not with `N * V`. The values equal the
dense read's to float32 rounding, codes included (first index on ties).

Everything here is `keras.ops` and runs on every backend: the reference.
`chunked_soft_read` takes the active backend's fast path from
`kzoo.backend.chunked_read` where there is one (tested equal to this one).
Shapes are grouped as in `kzoo.layers.reads`: queries `(N, G, d)`, tables
`(G, V, d)`.
"""

import keras
from keras import ops

from kzoo.backend import chunked_read
from kzoo.backend import reductions


def chunked_soft_read(queries, table, scale, temperature=1.0, chunk=8192,
                      table_grad=True, fast=True):
    """Soft VQ read of `chunk` rows at a time (equals `reads.soft_read`).

    Args:
        queries: `(N, G, d)`.
        table: `(G, V, d)`.
        scale: multiplier of the logits.
        temperature: divides the logits.
        chunk: rows read at once (>= 1); any `V` (the last chunk may be
            shorter).
        table_grad: whether to compute the gradient of `table` (`False`
            for a frozen table: two of the five matmuls of the backward
            pass are then skipped, and the table gets a zero gradient).
        fast: use the backend's fast path where there is one.

    Returns:
        `(out, codes)`: `(N, G, d)` read values and `(N, G)` int32 argmax
        codes.
    """
    queries, table, dtype = _float32(queries, table)
    factor = scale / temperature
    path = chunked_read.soft_read_path() if fast else None
    if path is not None:
        out, codes = path(queries, table, factor, chunk, table_grad)
        return ops.cast(out, dtype), codes
    grouped = ops.transpose(queries, (1, 0, 2))
    lse, codes = soft_read_stats(grouped, table, factor, chunk)
    out = attend(grouped, table, lse, factor, chunk, table_grad)
    return ops.cast(ops.transpose(out, (1, 0, 2)), dtype), ops.transpose(codes)


def chunked_nearest_codes(queries, table, chunk=8192):
    """Nearest row (squared L2) of each group's table, `chunk` rows at once.

    Equals `reads.nearest_codes` (same distances, first index on ties);
    codes carry no gradient.

    Args:
        queries: `(N, G, d)`.
        table: `(G, V, d)`.
        chunk: rows compared at once (>= 1).

    Returns:
        `(N, G)` int32 codes.
    """
    queries, table, _ = _float32(queries, table)
    grouped = ops.stop_gradient(ops.transpose(queries, (1, 0, 2)))
    table = ops.stop_gradient(table)
    norms = ops.sum(ops.square(grouped), axis=-1)[..., None]

    def body(rows, start, carry):
        best, codes = carry
        distances = (norms - 2.0 * logits(grouped, rows)
                     + ops.sum(ops.square(rows), axis=-1)[:, None, :])
        chunk_best, found = reductions.min_and_argmin(distances)
        found = found + start
        # Strictly better only: an earlier chunk wins a tie.
        codes = ops.where(chunk_best < best, found, codes)
        return ops.minimum(best, chunk_best), codes

    first = grouped[..., 0]
    init = (ops.full_like(first, float("inf")), ops.zeros_like(first, "int32"))
    _, codes = for_each_chunk(table, chunk, body, init)
    return ops.transpose(codes)


def _float32(queries, table):
    """`queries` and `table` as float32 tensors, and the queries' dtype.

    A mixed-precision read keeps its running sums in float32 too.
    """
    queries = ops.convert_to_tensor(queries)
    dtype = keras.backend.standardize_dtype(queries.dtype)
    return (ops.cast(queries, "float32"),
            ops.cast(ops.convert_to_tensor(table), "float32"), dtype)


def logits(grouped, rows):
    """`(G, N, C)` dot products of `(G, N, d)` queries and `(G, C, d)` rows."""
    return ops.matmul(grouped, ops.transpose(rows, (0, 2, 1)))


def for_each_chunk(table, chunk, body, carry):
    """`carry = body(rows, start, carry)` over the rows of `table` in order.

    `rows` is `table[:, start:start + chunk]`; the full chunks run in
    `ops.fori_loop` (one compiled body), a shorter last chunk after it.
    """
    n_group, vocab_size, dim = table.shape
    full, rest = divmod(vocab_size, chunk)

    def step(i, carry):
        start = i * chunk
        rows = ops.slice(table, (0, start, 0), (n_group, chunk, dim))
        return body(rows, start, carry)

    if full:
        carry = ops.fori_loop(0, full, step, carry)
    if rest:
        carry = body(table[:, full * chunk:], full * chunk, carry)
    return carry


def soft_read_stats(grouped, table, factor, chunk):
    """Log-sum-exp and argmax of the logits, `(G, N)` each; no gradient.

    An online softmax (Milakov & Gimelshein, 2018): the running sum of
    `exp(logit - running max)` is rescaled whenever the maximum grows.
    """
    grouped = ops.stop_gradient(grouped)
    table = ops.stop_gradient(table)

    def body(rows, start, carry):
        top, total, codes = carry
        chunk_logits = logits(grouped, rows) * factor
        chunk_top, found = reductions.max_and_argmax(chunk_logits)
        new_top = ops.maximum(top, chunk_top)
        found = found + start
        codes = ops.where(chunk_top > top, found, codes)
        total = total * ops.exp(top - new_top) + ops.sum(
            ops.exp(chunk_logits - new_top[..., None]), axis=-1)
        return new_top, total, codes

    first = grouped[..., 0]
    init = (ops.full_like(first, float("-inf")), ops.zeros_like(first),
            ops.zeros_like(first, "int32"))
    top, total, codes = for_each_chunk(table, chunk, body, init)
    return top + ops.log(total), codes


def attend(grouped, table, lse, factor, chunk, table_grad=True):
    """`sum_c exp(s Q E_c^T - lse) E_c`, `(G, N, d)`, recomputed backwards.

    `lse` (`(G, N)`, from `soft_read_stats`) gets a zero gradient: the
    output does not depend on it where it is the true log-sum-exp.
    """

    def probs(grouped, rows, lse):
        return ops.exp(logits(grouped, rows) * factor - lse[..., None])

    @ops.custom_gradient
    def read(grouped, table, lse):
        out = for_each_chunk(
            table, chunk,
            lambda rows, start, acc: acc + ops.matmul(
                probs(grouped, rows, lse), rows),
            ops.zeros_like(grouped))

        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            d_grouped, d_table = attend_grads(
                grouped, table, lse, out, upstream, factor, chunk,
                table_grad, probs)
            return d_grouped, d_table, ops.zeros_like(lse)

        return out, grad

    return read(grouped, table, lse)


def attend_grads(grouped, table, lse, out, upstream, factor, chunk,
                 table_grad, probs):
    """Gradients of `attend` for queries and table, chunk by chunk."""
    delta = ops.sum(upstream * out, axis=-1, keepdims=True)

    def chunk_grads(rows):
        p = probs(grouped, rows, lse)
        d_logits = p * (logits(upstream, rows) - delta) * factor
        d_rows = None
        if table_grad:
            d_rows = (ops.matmul(ops.transpose(p, (0, 2, 1)), upstream)
                      + ops.matmul(ops.transpose(d_logits, (0, 2, 1)),
                                   grouped))
        return ops.matmul(d_logits, rows), d_rows

    if not table_grad:
        d_grouped = for_each_chunk(
            table, chunk,
            lambda rows, start, acc: acc + chunk_grads(rows)[0],
            ops.zeros_like(grouped))
        return d_grouped, ops.zeros_like(table)
    # The table's gradient written chunk by chunk into a zero table.

    def body(rows, start, carry):
        acc, d_table = carry
        d_part, d_rows = chunk_grads(rows)
        return acc + d_part, ops.slice_update(d_table, (0, start, 0), d_rows)

    return for_each_chunk(table, chunk, body,
                          (ops.zeros_like(grouped), ops.zeros_like(table)))
