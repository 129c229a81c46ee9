"""Product (grouped, multi-head) codebooks: "method 2" of the reference."""

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers.base_codebook import BaseCodebook
from kzoo.layers.checks import MAX_INT32
from kzoo.layers.checks import check_heads_divide
from kzoo.layers.checks import check_int


@keras.saving.register_keras_serializable(package="kzoo")
class ProductCodebook(BaseCodebook):
    """`n_head` codebooks, one per slice of the features (like GQA).

    The `D` features split into `n_head` heads of `d = D / n_head`; head `h`
    reads its own table `E_h` of `vocab_size` rows of width `d` (soft or
    hard, exactly as `Codebook`), and the heads are concatenated. The
    effective vocabulary is `vocab_size ** n_head` for `n_head * vocab_size`
    rows. Codes combine mixed-radix, head 0 most significant:
    `id = sum_h code_h * vocab_size ** (n_head - 1 - h)`.

    Args:
        vocab_size: rows per head (>= 1).
        n_head: number of heads (>= 1); must divide `D`.
        head_norm: LayerNorm over each head's features before its read
            (separate `gamma`, `beta` per head), as the reference
            `mhvqlnmlp` does.
        per_head_scale: soft read, scale the logits by `1 / sqrt(d)`
            instead of the reference's `1 / sqrt(D)`. Ignored when `scale`
            is given.
        layer_norm_epsilon: epsilon of the head norm (PyTorch's 1e-5).
        **kwargs: every other argument of `Codebook` (`read`,
            `temperature`, `scale`, `train_codebook`, `commitment_weight`,
            `ema`, `decay`, `epsilon`, `dead_code_threshold`, `return_codes`,
            `codebook_initializer`, `seed`, `read_chunk`: rows of each
            head's table read at once) and of `Layer`.

    Variables:
        `codebook`: `(n_head, vocab_size, D / n_head)`; with `head_norm`,
        `head_gamma` and `head_beta`: `(n_head, D / n_head)`.

    Input shape:
        `(B, T, D)`.

    Output shape:
        `(B, T, D)`; with `return_codes`, also `(B, T)` int32 ids.

    Example (method 2: 32 ** 2 = 1024 combinations from 64 rows):

    >>> layer = ProductCodebook(32, n_head=2, head_norm=True, seed=0)
    >>> tuple(layer(keras.ops.ones((2, 96, 16))).shape)
    (2, 96, 16)
    >>> tuple(layer.codebook.shape)
    (2, 32, 8)
    """

    def __init__(
        self,
        vocab_size,
        n_head,
        head_norm=False,
        per_head_scale=False,
        layer_norm_epsilon=1e-5,
        **kwargs,
    ):
        super().__init__(vocab_size, **kwargs)
        check_int("n_head", n_head)
        if n_head * vocab_size > MAX_INT32:
            raise UsageError(
                "The rows of all heads must be indexable by int32: "
                f"`n_head * vocab_size` is {n_head * vocab_size}. "
                f"Received: vocab_size={vocab_size}, n_head={n_head}"
            )
        if self.return_codes and vocab_size**n_head > MAX_INT32:
            raise UsageError(
                "Combined codes must fit int32: `vocab_size ** n_head` "
                f"is {vocab_size ** n_head}. Use `return_codes=False` or "
                f"fewer heads. Received: n_head={n_head}"
            )
        self.n_head = n_head
        self.head_norm = bool(head_norm)
        self.per_head_scale = bool(per_head_scale)
        self.layer_norm_epsilon = float(layer_norm_epsilon)

    def build(self, input_shape):
        dim = input_shape[-1]
        check_heads_divide(self.n_head, dim)
        self.n_group = self.n_head
        self.group_dim = dim // self.n_head
        if self.head_norm:
            self.head_gamma = self.add_weight(
                name="head_gamma",
                shape=(self.n_head, self.group_dim),
                initializer="ones",
            )
            self.head_beta = self.add_weight(
                name="head_beta",
                shape=(self.n_head, self.group_dim),
                initializer="zeros",
            )
        super().build(input_shape)
        if self.per_head_scale:
            self.default_scale = self.group_dim**-0.5

    def _table_shape(self, dim):
        return (self.n_head, self.vocab_size, dim // self.n_head)

    def prepare_queries(self, queries):
        if not self.head_norm:
            return queries
        mean = ops.mean(queries, axis=-1, keepdims=True)
        var = ops.mean(ops.square(queries - mean), axis=-1, keepdims=True)
        normed = (queries - mean) * ops.rsqrt(var + self.layer_norm_epsilon)
        return normed * self.head_gamma + self.head_beta

    def combine_codes(self, codes):
        radix = [
            self.vocab_size ** (self.n_head - 1 - h) for h in range(self.n_head)
        ]
        return ops.sum(codes * ops.array(radix, dtype="int32"), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "n_head": self.n_head,
                "head_norm": self.head_norm,
                "per_head_scale": self.per_head_scale,
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config
