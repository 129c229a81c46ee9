"""The chunked soft read in PyTorch: an autograd function over chunks.

`soft_read(grouped, table, factor, chunk, table_grad)` is
`kzoo.layers.chunked_reads.chunked_soft_read` (see there for the maths) as
a `torch.autograd.Function`. On a CPU an eager PyTorch op spends about as
long faulting in a fresh `(N, chunk)` result as computing it, so the loop
writes every chunk into the same two buffers: the logits and their scaling
in one `baddbmm` (`-lse + factor * Q E_c^T`), the exponential in place.
The forward pass is one loop keeping the running maximum, sum, argmax
(`torch.max`: the first index on ties) and output; the backward pass
recomputes each chunk and skips the table's gradient unless the table
requires one. Tested equal to the reference and to the dense read in
`tests/backend/test_chunked_read.py`.
"""

import torch


def _chunks(vocab_size, chunk):
    for start in range(0, vocab_size, chunk):
        yield start, min(chunk, vocab_size - start)


def _buffer(buffer, n_group, n_query, size):
    """A contiguous `(G, N, size)` view of the front of `buffer`."""
    return buffer.view(-1)[: n_group * n_query * size].view(
        n_group, n_query, size)


def _shifted_logits(shift, grouped, rows, factor, buffer):
    """`shift + factor * grouped @ rows^T` into `buffer`, `(G, N, C)`."""
    return torch.baddbmm(shift, grouped, rows.transpose(1, 2), alpha=factor,
                         out=buffer)


class SoftRead(torch.autograd.Function):
    """`(out, codes)` of group-major queries `(G, N, d)`, table `(G, V, d)`."""

    @staticmethod
    def forward(ctx, grouped, table, factor, chunk):
        n_group, n_query, dim = grouped.shape
        vocab_size = table.shape[1]
        top = grouped.new_full((n_group, n_query), float("-inf"))
        total = grouped.new_zeros((n_group, n_query))
        acc = grouped.new_zeros((n_group, n_query, dim))
        codes = torch.zeros((n_group, n_query), dtype=torch.int32,
                            device=grouped.device)
        zero = grouped.new_zeros((1, 1, 1))
        buffer = grouped.new_empty(n_group * n_query * min(chunk, vocab_size))
        for start, size in _chunks(vocab_size, chunk):
            rows = table[:, start:start + size]
            logits = _shifted_logits(zero, grouped, rows, factor,
                                     _buffer(buffer, n_group, n_query, size))
            chunk_top, found = torch.max(logits, dim=-1)
            new_top = torch.maximum(top, chunk_top)
            # Strictly greater: an earlier chunk wins a tie.
            codes = torch.where(chunk_top > top, found.int() + start, codes)
            rescale = torch.exp(top - new_top)
            probs = logits.sub_(new_top[..., None]).exp_()
            total = total * rescale + probs.sum(-1)
            acc = torch.baddbmm(acc * rescale[..., None], probs, rows)
            top = new_top
        out = acc / total[..., None]
        lse = top + torch.log(total)
        ctx.save_for_backward(grouped, table, out, lse)
        ctx.factor, ctx.chunk = factor, chunk
        ctx.mark_non_differentiable(codes)
        return out, codes

    @staticmethod
    def backward(ctx, d_out, d_codes):
        grouped, table, out, lse = ctx.saved_tensors
        factor, chunk = ctx.factor, ctx.chunk
        n_group, n_query, _ = grouped.shape
        vocab_size = table.shape[1]
        table_grad = ctx.needs_input_grad[1]
        d_out = d_out.contiguous()
        neg_lse = -lse[..., None]
        neg_delta = -torch.sum(d_out * out, dim=-1, keepdim=True)
        d_grouped = torch.zeros_like(grouped)
        d_table = torch.zeros_like(table) if table_grad else None
        size = min(chunk, vocab_size)
        buffers = grouped.new_empty((2, n_group * n_query * size))
        for start, size in _chunks(vocab_size, chunk):
            rows = table[:, start:start + size]
            probs = _shifted_logits(
                neg_lse, grouped, rows, factor,
                _buffer(buffers[0], n_group, n_query, size)).exp_()
            # dS / s = P * (dO E_c^T - D)
            d_logits = _shifted_logits(
                neg_delta, d_out, rows, 1.0,
                _buffer(buffers[1], n_group, n_query, size)).mul_(probs)
            d_grouped.baddbmm_(d_logits, rows, alpha=factor)
            if table_grad:
                d_rows = torch.bmm(probs.transpose(1, 2), d_out)
                d_rows.baddbmm_(d_logits.transpose(1, 2), grouped,
                                alpha=factor)
                d_table[:, start:start + size] = d_rows
        return d_grouped, d_table, None, None


def soft_read(grouped, table, factor, chunk, table_grad=True):
    """Chunked soft read; `table_grad=False` detaches the table."""
    if not table_grad:
        table = table.detach()
    return SoftRead.apply(grouped.contiguous(), table.contiguous(),
                          float(factor), int(chunk))
