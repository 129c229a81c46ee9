"""The chunked soft read: each backend's fast path, the `keras.ops`
reference and the dense read agree with NumPy, values and gradients."""

import keras
import numpy as np
import pytest

from kzoo.backend import chunked_read
from kzoo.layers import chunked_reads
from kzoo.layers import reads

from references import gradients
from references import np_softmax
from references import to_numpy

RTOL, ATOL = 1e-5, 1e-6
# (groups, rows, chunk): a vocabulary the chunk does not divide, several
# groups, a table smaller than one chunk, one row per chunk, chunks that
# `reductions.max_and_argmax` reads in blocks.
SHAPES = [(1, 23, 8), (3, 10, 4), (1, 5, 8), (2, 3, 1), (1, 600, 256)]


def np_soft_read(q, table, factor, d_out):
    """Values, codes and gradients of `sum(read(q) * d_out)`, float64.

    `q` `(N, G, d)`, `table` `(G, V, d)`; the backward pass as written in
    `kzoo.layers.chunked_reads` (FlashAttention's), per group.
    """
    q, table, d_out = (a.astype("float64") for a in (q, table, d_out))
    out, codes = np.zeros_like(q), np.zeros(q.shape[:2], "int64")
    d_q, d_table = np.zeros_like(q), np.zeros_like(table)
    for g in range(table.shape[0]):
        e = table[g]
        logits = q[:, g] @ e.T * factor
        p = np_softmax(logits)
        out[:, g], codes[:, g] = p @ e, logits.argmax(-1)
        d_logits = p * (d_out[:, g] @ e.T
                        - (d_out[:, g] * out[:, g]).sum(-1, keepdims=True))
        d_q[:, g] = factor * d_logits @ e
        d_table[g] = p.T @ d_out[:, g] + factor * d_logits.T @ q[:, g]
    return out, codes, d_q, d_table


def _data(rng, n_group, vocab, n=13, dim=4):
    q = rng.normal(size=(n, n_group, dim)).astype("float32")
    table = rng.normal(size=(n_group, vocab, dim)).astype("float32")
    d_out = rng.normal(size=(n, n_group, dim)).astype("float32")
    return q, table, d_out


READERS = {
    "fast": lambda q, t, f, c, tg: chunked_reads.chunked_soft_read(
        q, t, f, 1.0, c, tg, fast=True),
    "reference": lambda q, t, f, c, tg: chunked_reads.chunked_soft_read(
        q, t, f, 1.0, c, tg, fast=False),
    "dense": lambda q, t, f, c, tg: reads.soft_read(q, t, f),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("n_group, vocab, chunk", SHAPES)
def test_values_and_gradients_equal_numpy(rng, reader, n_group, vocab,
                                          chunk):
    q, table, d_out = _data(rng, n_group, vocab)
    factor = 0.7
    out, codes, d_q, d_table = np_soft_read(q, table, factor, d_out)
    read = READERS[reader]
    got, got_codes = read(q, table, factor, chunk, True)
    np.testing.assert_allclose(to_numpy(got), out, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(to_numpy(got_codes), codes)
    assert to_numpy(got_codes).dtype == np.int32

    def loss(q, table):
        return keras.ops.sum(keras.ops.multiply(
            read(q, table, factor, chunk, True)[0], d_out))

    _, (got_q, got_table) = gradients(loss, q, table)
    np.testing.assert_allclose(got_q, d_q, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_table, d_table, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("fast", [True, False])
def test_frozen_table_skips_its_gradient(rng, fast):
    q, table, d_out = _data(rng, 2, 11)
    _, _, d_q, _ = np_soft_read(q, table, 0.5, d_out)

    def loss(q, table):
        out, _ = chunked_reads.chunked_soft_read(q, table, 1.0, 2.0, 4,
                                                 table_grad=False, fast=fast)
        return keras.ops.sum(keras.ops.multiply(out, d_out))

    _, (got_q, got_table) = gradients(loss, q, table)
    np.testing.assert_allclose(got_q, d_q, rtol=RTOL, atol=ATOL)
    assert not np.any(got_table)


@pytest.mark.parametrize("fast", [True, False])
def test_codes_take_the_first_index_on_ties_across_chunks(rng, fast):
    # Rows 2 and 6 are equal and in different chunks; so are 5 and 9, in
    # one chunk with 6 before them: every query is nearest to row 2.
    table = rng.normal(size=(1, 12, 3)).astype("float32")
    table[0, 6] = table[0, 5] = table[0, 9] = table[0, 2]
    q = (np.repeat(table[:, 2:3], 7, axis=1) * 10).transpose(1, 0, 2)
    _, codes = chunked_reads.chunked_soft_read(q, table, 1.0, 1.0, 4,
                                               fast=fast)
    np.testing.assert_array_equal(to_numpy(codes), 2)
    hard = chunked_reads.chunked_nearest_codes(q / 10, table, 4)
    np.testing.assert_array_equal(to_numpy(hard), 2)


@pytest.mark.parametrize("n_group, vocab, chunk", SHAPES)
def test_nearest_codes_equal_dense(rng, n_group, vocab, chunk):
    q, table, _ = _data(rng, n_group, vocab, n=29)
    expected = to_numpy(reads.nearest_codes(q, table))
    d2 = ((q.transpose(1, 0, 2)[:, :, None] - table[:, None]) ** 2).sum(-1)
    np.testing.assert_array_equal(expected, d2.argmin(-1).T)
    got = chunked_reads.chunked_nearest_codes(q, table, chunk)
    np.testing.assert_array_equal(to_numpy(got), expected)


def test_every_backend_has_a_fast_path():
    assert chunked_read.soft_read_path() is not None
