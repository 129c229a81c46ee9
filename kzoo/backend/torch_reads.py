"""The dense soft read and the code statistics in plain PyTorch.

On the torch backend every `keras.ops` call runs eagerly, with Keras's
argument conversion and dtype checks around the kernel: for the small
reference codebooks that is most of a step. `kzoo.layers.reads` calls
these instead on torch (the same formulas, a handful of kernels each):
about a tenth of a millisecond against about one for each of the two
through `keras.ops` (the `vqlnmlp` batch, `recipes/bench.py --sections
reference`). Tested equal to the `keras.ops` path, values and gradients,
in `tests/backend/test_torch_reads.py`.
"""

import torch
from keras import ops

from kzoo.backend import reductions


def soft_read(queries, table, factor):
    """One table's soft read: `p = softmax(q E^T * factor)`, `p E`.

    Args:
        queries: `(N, 1, d)`.
        table: `(1, V, d)`.
        factor: the logits' multiplier (scale over temperature).

    Returns:
        `(out, codes)`: `(N, 1, d)` read values and `(N, 1)` int32 codes
        (first index of the largest logit).
    """
    queries = ops.convert_to_tensor(queries)
    table = ops.convert_to_tensor(table)
    rows = table[0]
    logits = torch.matmul(queries[:, 0], rows.T) * factor
    out = torch.matmul(torch.softmax(logits, dim=-1), rows)
    return out[:, None, :], reductions.argmax(logits)[:, None]


def code_counts(codes, n_group, vocab_size):
    """How often each row was chosen: `(G, V)` float32 counts of `(N, G)`
    codes."""
    codes = ops.convert_to_tensor(codes)
    offsets = torch.arange(n_group, device=codes.device,
                           dtype=codes.dtype) * vocab_size
    counts = torch.bincount((codes + offsets).reshape(-1),
                            minlength=n_group * vocab_size)
    return counts.reshape(n_group, vocab_size).to(torch.float32)


def perplexity_and_usage(counts):
    """Mean over groups of `exp(entropy)` of the `(G, V)` code counts and
    of the fraction of rows used (float32 scalars)."""
    counts = ops.convert_to_tensor(counts)
    total = torch.clamp(counts.sum(dim=-1, keepdim=True), min=1.0)
    probs = counts / total
    entropy = -(probs * torch.log(probs + 1e-10)).sum(dim=-1)
    usage = (counts > 0).to(torch.float32).mean(dim=-1)
    return torch.exp(entropy).mean(), usage.mean()
