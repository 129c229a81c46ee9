"""Machinery shared by every codebook read: grouped tables, soft and hard VQ.

A *grouped* table has shape `(G, V, d)`: `G` independent tables (heads) of
`V` rows of width `d`. A flat `Codebook` is the case `G = 1`, `d = D`; a
`ProductCodebook` has `G = n_head`, `d = D / n_head`. Queries are grouped
the same way, `(N, G, d)`. The functions below are pure `keras.ops`; the
`BaseCodebook` layer owns the variables and the training-time updates.
"""

import math

import keras
from keras import ops

from kzoo.backend import reductions
from kzoo.layers.checks import check_int

MODES = ("soft", "hard")


def soft_read(queries, table, scale, temperature=1.0):
    """Soft VQ read: `p = softmax(q @ E.T * scale / temperature)`, `p @ E`.

    Args:
        queries: `(N, G, d)`.
        table: `(G, V, d)`.
        scale: multiplier of the logits (the reference uses `1/sqrt(D)`).
        temperature: divides the logits.

    Returns:
        `(out, codes)`: `(N, G, d)` read values and `(N, G)` argmax codes.
    """
    factor = scale / temperature
    if queries.shape[1] == 1:
        # One table: plain 2-D matmuls. XLA on CPU differentiates the
        # batched form below about four times slower (one group only).
        logits = ops.matmul(queries[:, 0], ops.transpose(table[0])) * factor
        out = ops.matmul(ops.softmax(logits, axis=-1), table[0])
        return out[:, None, :], reductions.argmax(logits)[:, None]
    # Group-major batched matmuls: several times faster than the
    # equivalent einsum on XLA CPU.
    logits = _group_logits(queries, table) * factor
    probs = ops.softmax(logits, axis=-1)
    out = ops.transpose(ops.matmul(probs, table), (1, 0, 2))
    return out, ops.transpose(reductions.argmax(logits))


def _group_logits(queries, table):
    """`(G, N, V)` dot products of `(N, G, d)` queries with `(G, V, d)` rows."""
    return ops.matmul(
        ops.transpose(queries, (1, 0, 2)), ops.transpose(table, (0, 2, 1))
    )


def nearest_codes(queries, table):
    """Index of the nearest row (squared L2) of each group's table.

    Args:
        queries: `(N, G, d)`.
        table: `(G, V, d)`.

    Returns:
        `(N, G)` int32 codes.
    """
    distances = (
        ops.transpose(ops.sum(ops.square(queries), axis=-1))[..., None]
        - 2.0 * _group_logits(queries, table)
        + ops.sum(ops.square(table), axis=-1)[:, None, :]
    )
    return ops.transpose(reductions.argmin(distances))


def lookup(table, codes):
    """Rows of a grouped table: `table[g, codes[n, g]]`, shape `(N, G, d)`."""
    n_group, vocab_size, dim = ops.shape(table)
    offsets = ops.arange(n_group, dtype="int32") * vocab_size
    flat = ops.reshape(table, (n_group * vocab_size, dim))
    return ops.take(flat, codes + offsets[None, :], axis=0)


def code_counts(codes, n_group, vocab_size):
    """How often each row was chosen: `(G, V)` float32 counts."""
    offsets = ops.arange(n_group, dtype="int32") * vocab_size
    flat = ops.reshape(codes + offsets[None, :], (-1,))
    counts = ops.segment_sum(
        ops.ones_like(flat, dtype="float32"),
        flat,
        num_segments=n_group * vocab_size,
    )
    return ops.reshape(counts, (n_group, vocab_size))


def perplexity_and_usage(counts):
    """Mean over groups of `exp(entropy)` and of the fraction of rows used."""
    total = ops.maximum(ops.sum(counts, axis=-1, keepdims=True), 1.0)
    probs = counts / total
    entropy = -ops.sum(probs * ops.log(probs + 1e-10), axis=-1)
    usage = ops.mean(ops.cast(counts > 0, "float32"), axis=-1)
    return ops.mean(ops.exp(entropy)), ops.mean(usage)


def _check_fraction(name, value):
    if not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
        raise ValueError(
            f"`{name}` must be a number in (0, 1). Received: {name}={value!r}"
        )


class BaseCodebook(keras.layers.Layer):
    """Base of `Codebook` and `ProductCodebook`; not used on its own.

    Subclasses set `self.n_group` in `build` and define `_table_shape(D)`.
    See `Codebook` for the meaning of every argument.
    """

    def __init__(
        self,
        vocab_size,
        mode="soft",
        temperature=1.0,
        scale=None,
        train_codebook=False,
        beta=0.25,
        ema=False,
        decay=0.99,
        epsilon=1e-5,
        dead_code_threshold=0,
        return_codes=False,
        codebook_initializer=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_int("vocab_size", vocab_size)
        if mode not in MODES:
            raise ValueError(
                f"`mode` must be one of {MODES}. Received: mode={mode!r}"
            )
        if not isinstance(temperature, (int, float)) or temperature <= 0:
            raise ValueError(
                "`temperature` must be > 0. "
                f"Received: temperature={temperature!r}"
            )
        if scale is not None and (
            not isinstance(scale, (int, float)) or scale <= 0
        ):
            raise ValueError(
                f"`scale` must be None or > 0. Received: scale={scale!r}"
            )
        if not isinstance(beta, (int, float)) or beta < 0:
            raise ValueError(f"`beta` must be >= 0. Received: beta={beta!r}")
        _check_fraction("decay", decay)
        if not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise ValueError(
                f"`epsilon` must be > 0. Received: epsilon={epsilon!r}"
            )
        check_int("dead_code_threshold", dead_code_threshold, minimum=0)
        if ema and mode != "hard":
            raise ValueError(
                "`ema=True` needs `mode='hard'` (EMA updates follow hard "
                f"assignments). Received: mode={mode!r}"
            )
        if ema and train_codebook:
            raise ValueError(
                "`ema=True` updates the table itself: it cannot be combined "
                "with `train_codebook=True`."
            )
        if dead_code_threshold and not ema:
            raise ValueError(
                "`dead_code_threshold` re-seeds rows of an EMA table: it needs "
                f"`ema=True`. Received: dead_code_threshold={dead_code_threshold}"
            )
        self.vocab_size = vocab_size
        self.mode = mode
        self.temperature = float(temperature)
        self.scale = None if scale is None else float(scale)
        self.train_codebook = bool(train_codebook)
        self.beta = float(beta)
        self.ema = bool(ema)
        self.decay = float(decay)
        self.epsilon = float(epsilon)
        self.dead_code_threshold = dead_code_threshold
        self.return_codes = bool(return_codes)
        self.seed = seed
        if codebook_initializer is None:
            codebook_initializer = keras.initializers.RandomNormal(
                mean=0.0, stddev=1.0, seed=seed
            )
        self.codebook_initializer = keras.initializers.get(codebook_initializer)
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Whether `fit()` logs this layer's perplexity and usage.
        self.reports_stats = True

    # Subclass hooks ----------------------------------------------------
    def _table_shape(self, dim):
        raise NotImplementedError

    def _group_queries(self, x):
        """`(..., D)` to `(N, G, d)`."""
        return ops.reshape(x, (-1, self.n_group, self.group_dim))

    def prepare_queries(self, queries):
        """Hook applied to grouped queries before reading (per-head norm)."""
        return queries

    # Variables ---------------------------------------------------------
    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                "The last axis of the input of a codebook must be known. "
                f"Received: input_shape={input_shape}"
            )
        shape = self._table_shape(dim)
        self.codebook = self.add_weight(
            name="codebook",
            shape=shape,
            initializer=self.codebook_initializer,
            trainable=self.train_codebook,
        )
        if self.ema:
            self.ema_cluster_size = self.add_weight(
                name="ema_cluster_size",
                shape=shape[:-1],
                initializer="ones",
                trainable=False,
            )
            self.ema_embed_sum = self.add_weight(
                name="ema_embed_sum",
                shape=shape,
                initializer=lambda shape, dtype=None: ops.convert_to_tensor(
                    self.codebook.value
                ),
                trainable=False,
            )
        if self.dead_code_threshold:
            self.unused_steps = self.add_weight(
                name="unused_steps",
                shape=shape[:-1],
                initializer="zeros",
                trainable=False,
            )
        self.perplexity = self.add_weight(
            name="perplexity", shape=(), initializer="zeros", trainable=False
        )
        self.usage = self.add_weight(
            name="usage", shape=(), initializer="zeros", trainable=False
        )
        self.default_scale = 1.0 / math.sqrt(dim)

    def grouped_table(self):
        """The table as `(G, V, d)`."""
        return ops.reshape(
            self.codebook, (self.n_group, self.vocab_size, self.group_dim)
        )

    def stat_variables(self):
        """Variables that `kzoo.models.Model` reports in `fit()` logs."""
        if not self.reports_stats:
            return {}
        return {"perplexity": self.perplexity, "usage": self.usage}

    # Reading -----------------------------------------------------------
    def read(self, x, table=None, training=False):
        """Read `x` `(..., D)` against a grouped table (default: own table).

        Returns `(out, codes, queries)`: `(..., D)` read values, `(..., G)`
        int32 codes and the grouped queries `(N, G, d)` that were read. Adds
        the hard-mode losses; performs no variable updates.
        """
        shape = ops.shape(x)
        queries = self.prepare_queries(self._group_queries(x))
        table = self.grouped_table() if table is None else table
        if self.mode == "soft":
            scale = self.scale if self.scale is not None else self.default_scale
            out, codes = soft_read(queries, table, scale, self.temperature)
        else:
            codes = nearest_codes(queries, table)
            quantized = lookup(table, codes)
            commitment = ops.mean(
                ops.square(queries - ops.stop_gradient(quantized))
            )
            loss = self.beta * commitment
            if self.train_codebook:
                loss = loss + ops.mean(
                    ops.square(ops.stop_gradient(queries) - quantized)
                )
            self.add_loss(loss)
            out = queries + ops.stop_gradient(quantized - queries)
        out = ops.reshape(out, shape)
        codes = ops.reshape(codes, tuple(shape[:-1]) + (self.n_group,))
        return out, codes, queries

    def call(self, inputs, table=None, training=False):
        """`table`, if given, replaces the own table for this read (`(G, V, d)`)."""
        out, codes, queries = self.read(inputs, table=table, training=training)
        flat_codes = ops.reshape(codes, (-1, self.n_group))
        counts = code_counts(flat_codes, self.n_group, self.vocab_size)
        perplexity, usage = perplexity_and_usage(counts)
        self.perplexity.assign(perplexity)
        self.usage.assign(usage)
        if training and self.ema and table is None:
            self._ema_update(queries, flat_codes, counts)
        if not self.return_codes:
            return out
        return out, self.combine_codes(codes)

    def combine_codes(self, codes):
        """`(..., G)` group codes to one id per token, `(...)`."""
        return codes[..., 0]

    def _ema_update(self, queries, codes, counts):
        shape = tuple(self.codebook.shape)
        grouped = (self.n_group, self.vocab_size)
        one_hot = ops.one_hot(codes, self.vocab_size, dtype="float32")
        embed_sum = ops.matmul(
            ops.transpose(one_hot, (1, 2, 0)), ops.transpose(queries, (1, 0, 2))
        )
        cluster = ops.reshape(self.ema_cluster_size, grouped)
        cluster = self.decay * cluster + (1.0 - self.decay) * counts
        sums = ops.reshape(self.ema_embed_sum, grouped + (self.group_dim,))
        sums = self.decay * sums + (1.0 - self.decay) * embed_sum
        total = ops.sum(cluster, axis=-1, keepdims=True)
        smoothed = (
            (cluster + self.epsilon)
            / (total + self.vocab_size * self.epsilon)
            * total
        )
        table = sums / smoothed[..., None]
        if self.dead_code_threshold:
            unused = ops.reshape(self.unused_steps, grouped)
            unused = ops.where(counts > 0, 0.0, unused + 1.0)
            dead = unused >= self.dead_code_threshold
            n_tokens = ops.shape(queries)[0]
            picks = keras.random.randint(
                grouped, 0, n_tokens, seed=self.seed_generator
            )
            group = ops.arange(self.n_group, dtype="int32")[:, None]
            flat = ops.reshape(queries, (-1, self.group_dim))
            fresh = ops.take(flat, picks * self.n_group + group, axis=0)
            table = ops.where(dead[..., None], fresh, table)
            sums = ops.where(dead[..., None], fresh, sums)
            cluster = ops.where(dead, 1.0, cluster)
            unused = ops.where(dead, 0.0, unused)
            self.unused_steps.assign(ops.reshape(unused, shape[:-1]))
        self.ema_cluster_size.assign(ops.reshape(cluster, shape[:-1]))
        self.ema_embed_sum.assign(ops.reshape(sums, shape))
        self.codebook.assign(ops.reshape(table, shape))

    def compute_output_shape(self, input_shape):
        if self.return_codes:
            return tuple(input_shape), tuple(input_shape[:-1])
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "mode": self.mode,
                "temperature": self.temperature,
                "scale": self.scale,
                "train_codebook": self.train_codebook,
                "beta": self.beta,
                "ema": self.ema,
                "decay": self.decay,
                "epsilon": self.epsilon,
                "dead_code_threshold": self.dead_code_threshold,
                "return_codes": self.return_codes,
                "codebook_initializer": keras.initializers.serialize(
                    self.codebook_initializer
                ),
                "seed": self.seed,
            }
        )
        return config
