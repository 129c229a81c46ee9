"""`kzoo.backend.torch_reads` equals the `keras.ops` path of
`kzoo.layers.reads` (values and gradients) and a NumPy reference."""

import numpy as np
import pytest

from kzoo.layers import reads

from helpers import PLAIN_TORCH


def _ops_path(monkeypatch):
    monkeypatch.setattr(reads, "_torch", lambda: False)


@PLAIN_TORCH
@pytest.mark.parametrize("n, vocab, dim", [(7, 5, 3), (96, 32, 8)])
def test_soft_read_equals_keras_ops_and_numpy(rng, monkeypatch, n, vocab,
                                               dim):
    import torch

    q = rng.normal(size=(n, 1, dim)).astype("float32")
    e = rng.normal(size=(1, vocab, dim)).astype("float32")
    q[0, 0] = e[0, 2]  # a clear winner
    results = []
    for fast in (True, False):
        if not fast:
            _ops_path(monkeypatch)
        queries = torch.tensor(q, requires_grad=True)
        table = torch.tensor(e, requires_grad=True)
        out, codes = reads.soft_read(queries, table, 0.5, temperature=2.0)
        (out * torch.arange(dim, dtype=torch.float32)).sum().backward()
        results.append((out.detach().numpy(), codes.numpy(),
                        queries.grad.numpy(), table.grad.numpy()))
    for fast, slow in zip(*results):
        np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-6)
    logits = q[:, 0] @ e[0].T * 0.25
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(results[0][0][:, 0], p @ e[0], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(results[0][1][:, 0], logits.argmax(-1))
    assert results[0][1].dtype == np.int32 and results[0][1][0, 0] == 2


@PLAIN_TORCH
def test_counts_and_statistics_equal_keras_ops_and_numpy(rng, monkeypatch):
    import torch

    codes = rng.integers(0, 6, size=(50, 3)).astype("int32")
    codes[:, 2] = 1  # one group uses a single row
    fast_counts = reads.code_counts(torch.tensor(codes), 3, 8)
    fast = reads.perplexity_and_usage(fast_counts)
    _ops_path(monkeypatch)
    slow_counts = reads.code_counts(torch.tensor(codes), 3, 8)
    slow = reads.perplexity_and_usage(slow_counts)
    np.testing.assert_array_equal(fast_counts.numpy(), slow_counts.numpy())
    assert fast_counts.dtype == torch.float32
    counts = np.stack([np.bincount(codes[:, g], minlength=8)
                       for g in range(3)]).astype("float32")
    np.testing.assert_array_equal(fast_counts.numpy(), counts)
    probs = counts / counts.sum(-1, keepdims=True)
    perplexity = np.exp(-(probs * np.log(probs + 1e-10)).sum(-1)).mean()
    usage = (counts > 0).mean(-1).mean()
    for value, expected in zip(fast, (perplexity, usage)):
        np.testing.assert_allclose(float(value), expected, rtol=1e-6)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(float(a), float(b), rtol=1e-6)
