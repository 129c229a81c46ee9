"""Builders of the time-cache models `vqcache`, `mhvqcache` and `vqrecall`.

A codebook cache over time: every position attends to the whole causal
past through keys quantised to a codebook (`CodebookCache`,
Transformer-VQ), beside a learned causal convolution as long as the window
(`CausalLongConvolution`) that addresses exact lags. Time and memory grow
linearly with `T` (`T log T` for the convolution). `vqrecall` reads the
past by content alone, through exact code matches over an implicit
codebook of up to `2^20` codes (`CodebookRecall`, `T log T`).
"""

import keras

from kzoo.errors import UsageError
from kzoo.layers import CausalLongConvolution
from kzoo.layers import CodebookCache
from kzoo.layers import CodebookRecall
from kzoo.layers import DelayEmbedding
from kzoo.layers.checks import check_int
from kzoo.models.builders import forecaster


def _norm(name):
    return keras.layers.LayerNormalization(epsilon=1e-5, name=name)


def build_vqcache(
    time_steps=256,
    d_model=32,
    layers=2,
    n_head=1,
    vocab_size=64,
    block_size=32,
    key_lag=0,
    patch=8,
    max_length=None,
    change=False,
    revin=False,
    noise=0.0,
    ar_order=0,
    cache=True,
    convolution=True,
    conv_norm=False,
    name="vqcache",
):
    """Delay embedding, `layers` residual blocks, a Dense head.

    Each token carries its last `patch` values (`DelayEmbedding`), embedded
    to `d_model` by a Dense layer. Each block adds, to the residual stream
    `h`, `CodebookCache(LN(h))` (`n_head` heads, each with its own table
    of `vocab_size` rows, blocks of `block_size` steps, keys `key_lag`
    steps behind their values), then
    `CausalLongConvolution(h)` (a kernel of `max_length` taps, default
    `time_steps`; of `LN(h)` with `conv_norm`), then a two-layer GELU MLP
    of width `2 d_model` on `LN(h)`. A final LayerNorm and `Dense(1)`
    predict the next value at every position (`target="aligned"`, as the
    other codebook models).

    The convolution reads the residual stream itself, not its LayerNorm:
    `LN` divides each token by its own spread, so a value `K` steps back
    would reach the output through a nonlinear warp. On the lag task at
    `K = 256` (no cache, two epochs) the normalised read scored NMSE 0.155
    and did not improve in six epochs (0.158); the plain read 0.112
    (`docs/recall.md`).
    """
    check_int("layers", layers)
    check_int("patch", patch)
    check_int("d_model", d_model)
    length = max_length or time_steps
    if length is None:
        raise UsageError("vqcache needs time_steps or max_length (the "
                         "length of its convolution kernels)")

    def network(window):
        hidden = window
        if patch > 1:
            hidden = DelayEmbedding(patch, name="delay_embedding")(hidden)
        hidden = keras.layers.Dense(d_model, name="embedding")(hidden)
        for i in range(1, layers + 1):
            if cache:
                read = CodebookCache(
                    vocab_size, n_head=n_head, block_size=block_size,
                    key_lag=key_lag, seed=i, name=f"cache_{i}")(
                        _norm(f"cache_norm_{i}")(hidden))
                hidden = keras.layers.Add(name=f"cache_add_{i}")(
                    [hidden, read])
            if convolution:
                source = _norm(f"conv_norm_{i}")(hidden) if conv_norm \
                    else hidden
                conv = CausalLongConvolution(length, name=f"conv_{i}")(
                    source)
                hidden = keras.layers.Add(name=f"conv_add_{i}")(
                    [hidden, conv])
            mlp = keras.layers.Dense(2 * d_model, activation="gelu",
                                     name=f"mlp_in_{i}")(
                _norm(f"mlp_norm_{i}")(hidden))
            mlp = keras.layers.Dense(d_model, name=f"mlp_out_{i}")(mlp)
            hidden = keras.layers.Add(name=f"mlp_add_{i}")([hidden, mlp])
        hidden = _norm("head_norm")(hidden)
        return keras.layers.Dense(1, name="head")(hidden)

    return forecaster(network, time_steps, "aligned", change, revin, noise,
                      ar_order, name)


def build_vqrecall(
    time_steps=256,
    key=8,
    n_head=4,
    levels=128,
    d_model=32,
    layers=2,
    change=False,
    revin=False,
    noise=0.0,
    ar_order=0,
    name="vqrecall",
):
    """Content recall through code matches, then an MLP.

    Each position's key is its last `key` values (`DelayEmbedding`),
    quantised by `CodebookRecall` in `n_head` heads of `key / n_head`
    values with `levels` bins each (`levels ** (key / n_head)` codes per
    head); each head reads the mean of the values that followed the
    earlier positions of its code, and how many there were. An MLP of
    `layers` GELU layers of width `d_model` on the key and the reads, and
    `Dense(1)`, predict the next value at every position
    (`target="aligned"`): it learns when the heads' reads are a real
    recurrence (they agree) and how far to trust them.
    """
    check_int("key", key)
    check_int("layers", layers)
    check_int("d_model", d_model)

    def network(window):
        keys = DelayEmbedding(key, name="delay_embedding")(window)
        read = CodebookRecall(levels, n_head, name="recall")([keys, window])
        hidden = keras.layers.Concatenate(name="features")([keys, read])
        for i in range(1, layers + 1):
            hidden = keras.layers.Dense(d_model, activation="gelu",
                                        name=f"mlp_{i}")(hidden)
        return keras.layers.Dense(1, name="head")(hidden)

    return forecaster(network, time_steps, "aligned", change, revin, noise,
                      ar_order, name)
