import numpy as np
import pytest

from kzoo.layers import ProductCodebook

from layer_test import run_layer_test
from references import np_hard_read
from references import np_layer_norm
from references import np_soft_read
from references import to_numpy

ATOL = 1e-5


def _randomise_norm(layer, rng):
    for weight, mean in ((layer.head_gamma, 1.0), (layer.head_beta, 0.0)):
        weight.assign(rng.normal(mean, 0.2, weight.shape).astype("float32"))


def np_product(x, layer, read, scale):
    tables = to_numpy(layer.codebook)
    n_head, vocab, dh = tables.shape
    heads = x.reshape(x.shape[:-1] + (n_head, dh))
    if layer.head_norm:
        heads = np_layer_norm(heads, to_numpy(layer.head_gamma),
                              to_numpy(layer.head_beta))
    outs, codes = [], []
    for h in range(n_head):
        if read == "soft":
            o, c = np_soft_read(heads[..., h, :], tables[h], scale)
        else:
            o, c = np_hard_read(heads[..., h, :], tables[h])
        outs.append(o)
        codes.append(c)
    ids = sum(c * vocab ** (n_head - 1 - h) for h, c in enumerate(codes))
    return np.concatenate(outs, -1), ids


@pytest.mark.parametrize("read", ["soft", "hard"])
@pytest.mark.parametrize("head_norm", [False, True])
def test_matches_numpy(rng, read, head_norm):
    x = rng.normal(size=(2, 6, 12)).astype("float32")
    layer = ProductCodebook(5, 3, read=read, head_norm=head_norm,
                            return_codes=True)
    layer(x)
    assert tuple(layer.codebook.shape) == (3, 5, 4)
    if head_norm:
        _randomise_norm(layer, rng)
    out, ids = layer(x)
    ref, ref_ids = np_product(x, layer, read, 1 / np.sqrt(12))
    np.testing.assert_allclose(to_numpy(out), ref, atol=ATOL)
    np.testing.assert_array_equal(to_numpy(ids), ref_ids)
    assert to_numpy(ids).max() < 5 ** 3


def test_per_head_scale(rng):
    x = rng.normal(size=(2, 6, 8)).astype("float32")
    layer = ProductCodebook(4, 2, per_head_scale=True)
    out = layer(x)
    ref, _ = np_product(x, layer, "soft", 1 / np.sqrt(4))
    np.testing.assert_allclose(to_numpy(out), ref, atol=ATOL)


def test_ema_on_every_head(rng):
    x = rng.normal(size=(4, 6, 8)).astype("float32")
    layer = ProductCodebook(4, 2, read="hard", ema=True)
    layer(x)
    before = to_numpy(layer.codebook).copy()
    layer(x, training=True)
    after = to_numpy(layer.codebook)
    assert not np.allclose(before[0], after[0])
    assert not np.allclose(before[1], after[1])


@pytest.mark.parametrize(
    "kwargs, outputs, trainable",
    [
        ({}, (2, 3, 8), 0),
        ({"head_norm": True, "per_head_scale": True, "seed": 1}, (2, 3, 8), 2),
        ({"read": "hard", "return_codes": True}, ((2, 3, 8), (2, 3)), 0),
    ],
)
def test_layer_contract(kwargs, outputs, trainable):
    # Non-trainable: the table, perplexity and usage.
    run_layer_test(ProductCodebook, {"vocab_size": 4, "n_head": 2, **kwargs},
                   (2, 3, 8), outputs, trainable, 3)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"vocab_size": 0, "n_head": 2}, "vocab_size"),
        ({"vocab_size": 4, "n_head": 0}, "n_head"),
        ({"vocab_size": 4, "n_head": 2, "read": "x"}, "read"),
        ({"vocab_size": 2**30, "n_head": 2}, "n_head"),
        ({"vocab_size": 2 ** 16, "n_head": 2, "return_codes": True},
         "n_head"),
    ],
)
def test_bad_configuration(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ProductCodebook(**kwargs)


def test_heads_must_divide_features():
    with pytest.raises(ValueError, match="n_head"):
        ProductCodebook(4, 3)(np.zeros((1, 2, 8), "float32"))
