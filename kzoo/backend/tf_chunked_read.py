"""The chunked soft read in TensorFlow: a custom gradient over chunks.

`soft_read(grouped, table, factor, chunk, table_grad)` is
`kzoo.layers.chunked_reads.chunked_soft_read` (see there for the maths)
under `tf.custom_gradient`. The forward pass is one `tf.while_loop` over
the chunks keeping the running maximum, sum, argmax and output; the
backward pass recomputes each chunk and stacks the table's gradient in a
`TensorArray`. Both loops run one iteration at a time
(`parallel_iterations=1`: TensorFlow's default of 10 would hold ten
chunks' logits at once) and are compiled by XLA (`jit_compile=True`)
even when the model is not, which fuses the element-wise work of each
chunk. Tested equal to the reference and to the dense read in
`tests/backend/test_chunked_read.py`.
"""

import functools

import tensorflow as tf

from kzoo.backend import reductions


def _logits(grouped, rows):
    return tf.matmul(grouped, rows, transpose_b=True)


def _for_each_chunk(table, chunk, body, carry):
    """`carry = body(rows, start, carry)` over the table's row chunks."""
    n_group, vocab_size, dim = table.shape
    full, rest = divmod(vocab_size, chunk)

    def step(i, carry):
        start = i * chunk
        rows = tf.slice(table, [0, start, 0], [n_group, chunk, dim])
        return i + 1, body(rows, start, carry)

    if full:
        _, carry = tf.while_loop(lambda i, _: i < full, step,
                                 (tf.constant(0), carry),
                                 parallel_iterations=1)
    if rest:
        carry = body(table[:, full * chunk:], full * chunk, carry)
    return carry


@functools.lru_cache(maxsize=None)
def _functions(factor, chunk, table_grad, jit):
    """The forward and backward passes for one setting, compiled once."""

    def forward(grouped, table):
        def body(rows, start, carry):
            top, total, acc, codes = carry
            logits = _logits(grouped, rows) * factor
            chunk_top, found = reductions.max_and_argmax(logits)
            new_top = tf.maximum(top, chunk_top)
            # Strictly greater: an earlier chunk wins a tie.
            codes = tf.where(chunk_top > top, found + start, codes)
            rescale = tf.exp(top - new_top)
            probs = tf.exp(logits - new_top[..., None])
            total = total * rescale + tf.reduce_sum(probs, axis=-1)
            acc = acc * rescale[..., None] + tf.matmul(probs, rows)
            return new_top, total, acc, codes

        first = grouped[..., 0]
        init = (tf.fill(tf.shape(first), float("-inf")), tf.zeros_like(first),
                tf.zeros_like(grouped), tf.zeros_like(first, tf.int32))
        top, total, acc, codes = _for_each_chunk(table, chunk, body, init)
        return acc / total[..., None], codes, top + tf.math.log(total)

    def backward(grouped, table, out, lse, d_out):
        delta = tf.reduce_sum(d_out * out, axis=-1, keepdims=True)

        def chunk_grads(rows):
            probs = tf.exp(_logits(grouped, rows) * factor - lse[..., None])
            d_logits = probs * (_logits(d_out, rows) - delta) * factor
            d_rows = None
            if table_grad:
                # (C, G, d): the parts concatenate along their first axis.
                d_rows = tf.transpose(
                    tf.matmul(probs, d_out, transpose_a=True)
                    + tf.matmul(d_logits, grouped, transpose_a=True),
                    (1, 0, 2))
            return tf.matmul(d_logits, rows), d_rows

        if not table_grad:
            d_grouped = _for_each_chunk(
                table, chunk,
                lambda rows, start, acc: acc + chunk_grads(rows)[0],
                tf.zeros_like(grouped))
            return d_grouped, tf.zeros_like(table)
        n_group, vocab_size, dim = table.shape
        full, rest = divmod(vocab_size, chunk)
        d_grouped, parts = tf.zeros_like(grouped), []
        if full:
            def step(i, d_grouped, array):
                rows = tf.slice(table, [0, i * chunk, 0],
                                [n_group, chunk, dim])
                d_part, d_rows = chunk_grads(rows)
                return i + 1, d_grouped + d_part, array.write(i, d_rows)

            array = tf.TensorArray(table.dtype, size=full,
                                   element_shape=(chunk, n_group, dim))
            _, d_grouped, array = tf.while_loop(
                lambda i, *_: i < full, step,
                (tf.constant(0), d_grouped, array), parallel_iterations=1)
            parts.append(array.concat())
        if rest:
            d_part, d_rows = chunk_grads(table[:, full * chunk:])
            d_grouped = d_grouped + d_part
            parts.append(d_rows)
        d_table = tf.transpose(tf.concat(parts, axis=0), (1, 0, 2))
        return d_grouped, d_table

    wrap = functools.partial(tf.function, jit_compile=jit, autograph=False)
    return wrap(forward), wrap(backward)


def soft_read(grouped, table, factor, chunk, table_grad=True, jit=True):
    """Chunked soft read of `(G, N, d)` queries against a `(G, V, d)` table.

    Returns `(out, codes)`: `(G, N, d)` and `(G, N)` int32.
    """
    forward, backward = _functions(float(factor), int(chunk),
                                   bool(table_grad), bool(jit))

    @tf.custom_gradient
    def read(grouped, table):
        # Cut off from the tape: it would otherwise ask the loop for the
        # intermediate values of every chunk.
        out, codes, lse = forward(tf.stop_gradient(grouped),
                                  tf.stop_gradient(table))

        def grad(d_out, d_codes=None):
            return backward(grouped, table, out, lse, d_out)

        return (out, codes), grad

    return read(grouped, table)
