"""The chunked soft read in JAX: one pass forward, chunks recomputed back.

`soft_read(grouped, table, factor, chunk, table_grad)` is
`kzoo.layers.chunked_reads.chunked_soft_read` (see there for the maths) as
a `jax.custom_vjp`: the forward pass is one `lax.fori_loop` over the
chunks that keeps the running maximum, sum, argmax and output together
(the `keras.ops` reference makes two passes: statistics, then the output),
and the backward pass a second loop that writes each chunk's table
gradient in place (`dynamic_update_slice`). Tested equal to the reference
and to the dense read in `tests/backend/test_chunked_read.py`.
"""

import functools

import jax
import jax.numpy as jnp

from kzoo.backend import reductions


def _logits(grouped, rows):
    """`(G, N, C)` dot products of `(G, N, d)` queries and `(G, C, d)` rows."""
    return jnp.matmul(grouped, jnp.swapaxes(rows, 1, 2))


def _for_each_chunk(table, chunk, body, carry):
    """`carry = body(rows, start, carry)` over the table's row chunks."""
    vocab_size = table.shape[1]
    full, rest = divmod(vocab_size, chunk)

    def step(i, carry):
        start = i * chunk
        rows = jax.lax.dynamic_slice_in_dim(table, start, chunk, axis=1)
        return body(rows, start, carry)

    if full:
        carry = jax.lax.fori_loop(0, full, step, carry)
    if rest:
        carry = body(table[:, full * chunk:], full * chunk, carry)
    return carry


def _forward(grouped, table, factor, chunk):
    def body(rows, start, carry):
        top, total, acc, codes = carry
        logits = _logits(grouped, rows) * factor
        chunk_top, found = reductions.max_and_argmax(logits)
        new_top = jnp.maximum(top, chunk_top)
        # Strictly greater: an earlier chunk wins a tie.
        codes = jnp.where(chunk_top > top, found + start, codes)
        rescale = jnp.exp(top - new_top)
        probs = jnp.exp(logits - new_top[..., None])
        total = total * rescale + jnp.sum(probs, axis=-1)
        acc = acc * rescale[..., None] + jnp.matmul(probs, rows)
        return new_top, total, acc, codes

    first = grouped[..., 0]
    init = (jnp.full_like(first, -jnp.inf), jnp.zeros_like(first),
            jnp.zeros_like(grouped), jnp.zeros_like(first, jnp.int32))
    top, total, acc, codes = _for_each_chunk(table, chunk, body, init)
    return acc / total[..., None], codes, top + jnp.log(total)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4))
def soft_read(grouped, table, factor, chunk, table_grad=True):
    """Chunked soft read of group-major queries.

    Args:
        grouped: `(G, N, d)` queries.
        table: `(G, V, d)`.
        factor: logit multiplier (scale / temperature), a Python float.
        chunk: rows per chunk.
        table_grad: compute the table's gradient (else zeros).

    Returns:
        `(out, codes)`: `(G, N, d)` and `(G, N)` int32.
    """
    out, codes, _ = _forward(grouped, table, factor, chunk)
    return out, codes


def _soft_read_fwd(grouped, table, factor, chunk, table_grad):
    out, codes, lse = _forward(grouped, table, factor, chunk)
    return (out, codes), (grouped, table, out, lse)


def _soft_read_bwd(factor, chunk, table_grad, residuals, cotangents):
    grouped, table, out, lse = residuals
    d_out = cotangents[0]
    delta = jnp.sum(d_out * out, axis=-1, keepdims=True)

    def chunk_grads(rows):
        probs = jnp.exp(_logits(grouped, rows) * factor - lse[..., None])
        d_logits = probs * (_logits(d_out, rows) - delta) * factor
        d_grouped = jnp.matmul(d_logits, rows)
        if not table_grad:
            return d_grouped, None
        d_rows = (jnp.matmul(jnp.swapaxes(probs, 1, 2), d_out)
                  + jnp.matmul(jnp.swapaxes(d_logits, 1, 2), grouped))
        return d_grouped, d_rows

    if not table_grad:
        d_grouped = _for_each_chunk(
            table, chunk, lambda rows, start, acc: acc + chunk_grads(rows)[0],
            jnp.zeros_like(grouped))
        return d_grouped, jnp.zeros_like(table)

    def body(rows, start, carry):
        acc, d_table = carry
        d_grouped, d_rows = chunk_grads(rows)
        d_table = jax.lax.dynamic_update_slice_in_dim(d_table, d_rows, start,
                                                      axis=1)
        return acc + d_grouped, d_table

    return _for_each_chunk(table, chunk, body,
                           (jnp.zeros_like(grouped), jnp.zeros_like(table)))


soft_read.defvjp(_soft_read_fwd, _soft_read_bwd)
