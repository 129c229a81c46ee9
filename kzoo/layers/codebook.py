"""The flat codebook: one table of `vocab_size` rows read by every token."""

import keras

from kzoo.layers.base_codebook import BaseCodebook


@keras.saving.register_keras_serializable(package="kzoo")
class Codebook(BaseCodebook):
    """Vector-quantised memory: each token reads a table `E` of `V` rows.

    Soft read (the reference `vqmlp` read, the default):
        `p = softmax(x @ E.T * scale / temperature)`, `out = p @ E`,
        `codes = argmax p`, with `scale = 1 / sqrt(D)` unless given.

    Hard read: `codes = argmin_v ||x - E_v||^2`, `out = x + sg(E_codes - x)`
    (straight-through estimator). Adds
    `commitment_weight * mean((x - sg(q))^2)`
    (commitment) and, when the table is trained by gradient,
    `mean((sg(x) - q)^2)` (codebook loss) through `add_loss`. With `ema=True`
    the table is instead an exponential moving average of the inputs
    assigned to each row (`decay`, Laplace smoothing `epsilon`), updated only
    when `training=True`; with `dead_code_threshold=n > 0`, rows unused for
    `n` consecutive training steps are re-seeded from the current batch.

    With `read_chunk=C` the table is read `C` rows at a time (either read):
    a soft read keeps a running maximum, sum and argmax of the logits (an
    online softmax, as FlashAttention) and its gradient recomputes each
    chunk, a hard read keeps a running argmin. The values equal the dense
    read's (to float32 rounding), but memory grows with `N * C` for `N`
    tokens instead of `N * V`: a 2^20-row table trains with a batch of
    64 x 96 tokens in under 2.5 GiB (`kzoo.layers.chunked_reads`).

    Every call writes the batch's code perplexity (`exp` of the entropy of
    code frequencies) and the fraction of rows in use into the
    non-trainable weights `perplexity` and `usage`; `kzoo.models.Model`
    shows them in `fit()` logs.

    Args:
        vocab_size: number of rows `V` (>= 1).
        read: `"soft"` or `"hard"`.
        temperature: soft read, divides the logits (> 0).
        scale: soft read, logit multiplier; `None` means `1 / sqrt(D)`.
        train_codebook: whether gradients train the table. `False` (the
            default) keeps the N(0, 1) table fixed, as the reference does.
        commitment_weight: weight of the commitment loss of a hard read
            (VQ-VAE's beta, van den Oord et al. 2017).
        ema: hard read, update the table by EMA instead of by gradient.
        decay: EMA decay in (0, 1).
        epsilon: Laplace smoothing of the EMA cluster sizes (> 0).
        dead_code_threshold: EMA tables, re-seed rows unused for this many
            training steps; 0 disables.
        return_codes: also return the int32 codes.
        codebook_initializer: initializer of the table; default N(0, 1)
            seeded with `seed`.
        seed: seed of the default initializer and of dead-code re-seeding.
        read_chunk: `None` (the default) reads the whole table at once,
            materialising `(tokens, V)` logits or distances; an integer
            `C >= 1` reads it `C` rows at a time; `"auto"` reads tables of
            at least 16384 rows 8192 at a time and smaller ones at once.

    Variables:
        `codebook`: `(vocab_size, D)`.

    Input shape:
        `(B, T, D)` (any leading axes).

    Output shape:
        `(B, T, D)`; with `return_codes`, also `(B, T)` int32 codes.

    Example:

    >>> layer = Codebook(512, return_codes=True, seed=0)
    >>> out, codes = layer(keras.ops.ones((2, 96, 32)))
    >>> tuple(out.shape), tuple(codes.shape), tuple(layer.codebook.shape)
    ((2, 96, 32), (2, 96), (512, 32))
    """

    def build(self, input_shape):
        self.n_group = 1
        self.group_dim = input_shape[-1]
        super().build(input_shape)

    def _table_shape(self, dim):
        return (self.vocab_size, dim)
