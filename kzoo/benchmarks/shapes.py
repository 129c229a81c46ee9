"""The benchmarks' fixed shapes: one place for each, quoted by every table.

- `SCALING`: the codebook-scaling benchmark's tokens (`d 64, batch 64,
  T 96`), a flat or product table read by every token of the batch.
- `CONTEXT`: the context-length benchmark's models (width 64, batch 32)
  at `CONTEXT_LENGTHS`.
"""

SCALING = {"dim": 64, "batch": 64, "length": 96}
CONTEXT = {"dim": 64, "batch": 32}
CONTEXT_LENGTHS = (512, 1024, 2048, 4096, 8192)


def label(shape):
    """`"d 64, batch 64, T 96"` for a shape dict of `dim, batch, length`."""
    return f"d {shape['dim']}, batch {shape['batch']}, T {shape['length']}"
