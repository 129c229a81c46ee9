"""The cache-hierarchy codebook: "method 3" (and, with heads, "method 2+3")."""

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers.checks import check_choice
from kzoo.layers.checks import check_heads_divide
from kzoo.layers.checks import check_int
from kzoo.layers.codebook import Codebook
from kzoo.layers.product_codebook import ProductCodebook

ORDERS = ("inc", "dec")


@keras.saving.register_keras_serializable(package="kzoo")
class CacheHierarchy(keras.layers.Layer):
    """Codebooks of several sizes that exchange information level by level.

    Write `R(Q, C)` for a codebook read of queries `Q` against table `C`
    (a soft or hard read, as `Codebook`; with `n_head > 1` every level is a
    `ProductCodebook`: method 2+3) and `LN` for a LayerNorm.

    `order="inc"` (sizes grow with the level, e.g. `[32, 128, 512]`): the
    tables exchange first, from the largest down, `C'_k = C_k`,
    `C'_i = C_i + R(LN_i(C_i), C'_{i+1})`; then the input reads level 1,
    `out = R(LN_0(x), C'_1)` (`+ x` when `residual`). The exchange does not
    depend on the input and is computed once per call.

    `order="dec"` (sizes shrink, e.g. `[512, 128, 32]`): `h_0 = x`,
    `h_i = R(LN_i(h_{i-1}), C_i)` (`+ h_{i-1}` when `residual`),
    `out = h_k`.

    Args:
        sizes: rows of each level's table, level 1 first; strictly
            increasing for `"inc"`, strictly decreasing for `"dec"`.
        order: `"inc"` or `"dec"`.
        n_head: heads of every level (1: flat `Codebook` levels).
        residual: add the read's input to its output.
        head_norm: with `n_head > 1`, a per-head LayerNorm in each read.
        layer_norm_epsilon: epsilon of every LayerNorm (PyTorch's 1e-5).
        seed: seeds level `i`'s N(0, 1) table with `seed + i`.
        **codebook_kwargs: every other option of `Codebook` (or of
            `ProductCodebook` when `n_head > 1`), passed to each level:
            `read`, `temperature`, `scale`, `train_codebook`,
            `commitment_weight`, `ema`, `decay`, `epsilon`,
            `dead_code_threshold`, `codebook_initializer`, `read_chunk`, ...
            (as vector-quantize-pytorch's `ResidualVQ(**vq_kwargs)`), and the
            arguments of `Layer` (`name`, `dtype`, ...). In the `"inc"`
            order the exchanged tables are read, not the levels' own, so EMA
            updates apply only in the `"dec"` order.

    Variables:
        level `i` (`level_{i}` sublayer) holds `codebook` of shape
        `(sizes[i-1], D)`, or `(n_head, sizes[i-1], D / n_head)`.

    Input shape:
        `(B, T, D)`.

    Output shape:
        `(B, T, D)`.

    Example (method 2+3: three levels of two-head product codebooks):

    >>> layer = CacheHierarchy([32, 128, 512], order="inc", n_head=2, seed=0)
    >>> tuple(layer(keras.ops.ones((2, 96, 32))).shape)
    (2, 96, 32)
    >>> [tuple(level.codebook.shape) for level in layer.levels]
    [(2, 32, 16), (2, 128, 16), (2, 512, 16)]
    """

    # `keras.layers.Layer` arguments, kept for the hierarchy itself.
    _LAYER_KWARGS = ("name", "dtype", "trainable", "autocast")

    def __init__(
        self,
        sizes,
        order="inc",
        n_head=1,
        residual=True,
        head_norm=False,
        layer_norm_epsilon=1e-5,
        seed=None,
        **codebook_kwargs,
    ):
        layer_kwargs = {k: codebook_kwargs.pop(k) for k in self._LAYER_KWARGS
                        if k in codebook_kwargs}
        super().__init__(**layer_kwargs)
        check_choice("order", order, ORDERS)
        sizes = list(sizes) if isinstance(sizes, (list, tuple)) else sizes
        if not isinstance(sizes, list) or not sizes:
            raise UsageError(
                f"`sizes` must be a non-empty list of integers. "
                f"Received: sizes={sizes!r}"
            )
        for size in sizes:
            check_int("sizes", size)
        steps = [b - a for a, b in zip(sizes, sizes[1:])]
        if order == "inc" and any(step <= 0 for step in steps):
            raise UsageError(
                "`sizes` must strictly increase for order='inc'. "
                f"Received: sizes={sizes}"
            )
        if order == "dec" and any(step >= 0 for step in steps):
            raise UsageError(
                "`sizes` must strictly decrease for order='dec'. "
                f"Received: sizes={sizes}"
            )
        check_int("n_head", n_head)
        if codebook_kwargs.get("return_codes"):
            raise UsageError(
                "`return_codes` is not available on a CacheHierarchy: its "
                "output mixes the reads of several levels."
            )
        self.sizes = sizes
        self.order = order
        self.n_head = n_head
        self.residual = bool(residual)
        self.head_norm = bool(head_norm)
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.seed = seed
        self.codebook_kwargs = dict(codebook_kwargs)
        self.levels = []
        for i, size in enumerate(sizes, start=1):
            level_seed = None if seed is None else seed + i
            if n_head == 1:
                level = Codebook(size, seed=level_seed, name=f"level_{i}",
                                 **codebook_kwargs)
            else:
                level = ProductCodebook(
                    size, n_head, head_norm=head_norm, seed=level_seed,
                    name=f"level_{i}", **codebook_kwargs,
                )
            # In "inc" order only level 1 is read by the input.
            level.reports_stats = order == "dec" or i == 1
            self.levels.append(level)
        self.norms = [
            keras.layers.LayerNormalization(
                epsilon=layer_norm_epsilon, name=f"norm_{i}"
            )
            for i in range(len(sizes))
        ]

    def build(self, input_shape):
        check_heads_divide(self.n_head, input_shape[-1])
        for level, norm in zip(self.levels, self.norms):
            level.build(input_shape)
            norm.build(input_shape)

    def _rows(self, table):
        """Grouped `(G, V, d)` table to full rows `(V, G * d)`."""
        n_group, vocab_size, dim = table.shape
        return ops.reshape(
            ops.transpose(table, (1, 0, 2)), (vocab_size, n_group * dim)
        )

    def _grouped(self, rows, n_group):
        vocab_size, dim = rows.shape
        return ops.transpose(
            ops.reshape(rows, (vocab_size, n_group, dim // n_group)), (1, 0, 2)
        )

    def exchanged_tables(self, training=False):
        """`[C'_1, ..., C'_k]` of the increasing order, each `(G, V_i, d)`."""
        tables = [level.grouped_table() for level in self.levels]
        exchanged = [tables[-1]]
        for i in range(len(tables) - 2, -1, -1):
            queries = self.norms[i + 1](self._rows(tables[i]))
            read, _, _ = self.levels[i + 1].read_values(
                queries, table=exchanged[0]
            )
            exchanged.insert(
                0, tables[i] + self._grouped(read, tables[i].shape[0])
            )
        return exchanged

    def call(self, inputs, training=False):
        if self.order == "inc":
            table = self.exchanged_tables(training=training)[0]
            out = self.levels[0](
                self.norms[0](inputs), table=table, training=training
            )
            return out + inputs if self.residual else out
        hidden = inputs
        for level, norm in zip(self.levels, self.norms):
            out = level(norm(hidden), training=training)
            hidden = out + hidden if self.residual else out
        return hidden

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        codebook_kwargs = dict(self.codebook_kwargs)
        if "codebook_initializer" in codebook_kwargs:
            codebook_kwargs["codebook_initializer"] = (
                keras.initializers.serialize(
                    keras.initializers.get(
                        codebook_kwargs["codebook_initializer"]))
            )
        config.update(
            {
                "sizes": list(self.sizes),
                "order": self.order,
                "n_head": self.n_head,
                "residual": self.residual,
                "head_norm": self.head_norm,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "seed": self.seed,
                **codebook_kwargs,
            }
        )
        return config
