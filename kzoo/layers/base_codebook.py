"""The layer machinery shared by every codebook: variables, losses, updates.

The reads themselves are pure functions in `kzoo.layers.reads`.
"""

import math

import keras
from keras import ops

from kzoo.errors import UsageError
from kzoo.layers import reads
from kzoo.layers.checks import MAX_INT32
from kzoo.layers.checks import check_choice
from kzoo.layers.checks import check_fraction
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.layers.checks import check_read_chunk

READS = ("soft", "hard")
# `read_chunk="auto"`: tables of at least AUTO_MIN_ROWS rows (per group) are
# read AUTO_CHUNK rows at a time, smaller ones densely.
AUTO_CHUNK = 8192
AUTO_MIN_ROWS = 2 * AUTO_CHUNK


class BaseCodebook(keras.layers.Layer):
    """Base of `Codebook` and `ProductCodebook`; not used on its own.

    Subclasses set `self.n_group` and `self.group_dim` in `build` and define
    `_table_shape(D)`. See `Codebook` for the meaning of every argument.
    """

    def __init__(
        self,
        vocab_size,
        read="soft",
        temperature=1.0,
        scale=None,
        train_codebook=False,
        commitment_weight=0.25,
        ema=False,
        decay=0.99,
        epsilon=1e-5,
        dead_code_threshold=0,
        return_codes=False,
        codebook_initializer=None,
        seed=None,
        read_chunk=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_int("vocab_size", vocab_size, maximum=MAX_INT32)
        check_choice("read", read, READS)
        check_read_chunk(read_chunk)
        check_number("temperature", temperature, minimum=0)
        if scale is not None:
            check_number("scale", scale, minimum=0)
        check_number("commitment_weight", commitment_weight, minimum=0,
                     strict=False)
        check_fraction("decay", decay)
        check_number("epsilon", epsilon, minimum=0)
        check_int("dead_code_threshold", dead_code_threshold, minimum=0)
        if ema and read != "hard":
            raise UsageError(
                "`ema=True` needs `read='hard'` (EMA updates follow hard "
                f"assignments). Received: read={read!r}"
            )
        if ema and train_codebook:
            raise UsageError(
                "`ema=True` updates the table itself: it cannot be combined "
                "with `train_codebook=True`."
            )
        if dead_code_threshold and not ema:
            raise UsageError(
                "`dead_code_threshold` re-seeds rows of an EMA table: it needs "
                "`ema=True`. "
                f"Received: dead_code_threshold={dead_code_threshold}"
            )
        self.vocab_size = vocab_size
        self.read = read
        self.temperature = float(temperature)
        self.scale = None if scale is None else float(scale)
        self.train_codebook = bool(train_codebook)
        self.commitment_weight = float(commitment_weight)
        self.ema = bool(ema)
        self.decay = float(decay)
        self.epsilon = float(epsilon)
        self.dead_code_threshold = dead_code_threshold
        self.return_codes = bool(return_codes)
        self.seed = seed
        self.read_chunk = read_chunk
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
            raise UsageError(
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
                # A copy: on JAX a shared buffer is donated twice by fit().
                initializer=lambda shape, dtype=None: ops.copy(
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
    def chunk_rows(self):
        """Rows read at once (`read_chunk` resolved), or `None`: dense."""
        if self.read_chunk != "auto":
            return self.read_chunk
        return AUTO_CHUNK if self.vocab_size >= AUTO_MIN_ROWS else None

    def read_values(self, x, table=None):
        """Read `x` `(..., D)` against a grouped table (default: own table).

        Returns `(out, codes, queries)`: `(..., D)` read values, `(..., G)`
        int32 codes and the grouped queries `(N, G, d)` that were read. Adds
        the hard-read losses; performs no variable updates.
        """
        shape = ops.shape(x)
        queries = self.prepare_queries(self._group_queries(x))
        # A given table may depend on trained weights (CacheHierarchy).
        table_grad = table is not None or self.codebook.trainable
        table = self.grouped_table() if table is None else table
        chunk = self.chunk_rows()
        if self.read == "soft":
            scale = self.scale if self.scale is not None else self.default_scale
            out, codes = reads.soft_read(queries, table, scale,
                                         self.temperature, chunk, table_grad)
        else:
            codes = reads.nearest_codes(queries, table, chunk)
            quantized = reads.lookup(table, codes)
            commitment = ops.mean(
                ops.square(queries - ops.stop_gradient(quantized))
            )
            loss = self.commitment_weight * commitment
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
        """`table`, if given, replaces the own table for this read
        (`(G, V, d)`)."""
        out, codes, queries = self.read_values(inputs, table=table)
        flat_codes = ops.reshape(codes, (-1, self.n_group))
        counts = reads.code_counts(flat_codes, self.n_group, self.vocab_size)
        perplexity, usage = reads.perplexity_and_usage(counts)
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
        if self.chunk_rows() is None:
            one_hot = ops.one_hot(codes, self.vocab_size, dtype="float32")
            embed_sum = ops.matmul(ops.transpose(one_hot, (1, 2, 0)),
                                   ops.transpose(queries, (1, 0, 2)))
        else:  # no (N, V) one-hot matrix
            embed_sum = reads.code_sums(queries, codes, self.vocab_size)
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
                "read": self.read,
                "temperature": self.temperature,
                "scale": self.scale,
                "train_codebook": self.train_codebook,
                "commitment_weight": self.commitment_weight,
                "ema": self.ema,
                "decay": self.decay,
                "epsilon": self.epsilon,
                "dead_code_threshold": self.dead_code_threshold,
                "return_codes": self.return_codes,
                "codebook_initializer": keras.initializers.serialize(
                    self.codebook_initializer
                ),
                "seed": self.seed,
                "read_chunk": self.read_chunk,
            }
        )
        return config
