import numpy as np
import pytest

from kzoo.layers import CacheHierarchy

from layer_test import run_layer_test
from references import np_hard_read
from references import np_layer_norm
from references import np_soft_read
from references import to_numpy

ATOL = 1e-5


def _randomise_norms(layer, rng):
    for norm in layer.norms:
        norm.set_weights([
            rng.normal(1, 0.2, w.shape).astype("float32")
            for w in norm.get_weights()
        ])


def np_read(q, table, read, scale):
    """q (..., D), table (G, V, d): a (product) codebook read."""
    n_head, _, dh = table.shape
    heads = q.reshape(q.shape[:-1] + (n_head, dh))
    out = []
    for h in range(n_head):
        if read == "soft":
            out.append(np_soft_read(heads[..., h, :], table[h], scale)[0])
        else:
            out.append(np_hard_read(heads[..., h, :], table[h])[0])
    return np.concatenate(out, -1)


def np_hierarchy(x, layer, kind):
    dim = x.shape[-1]
    scale = 1 / np.sqrt(dim)
    tables = [to_numpy(level.codebook) for level in layer.levels]
    tables = [t if t.ndim == 3 else t[None] for t in tables]
    norms = [[to_numpy(w) for w in norm.weights] for norm in layer.norms]

    def ln(i, v):
        return np_layer_norm(v, norms[i][0], norms[i][1])

    def rows(t):
        return t.transpose(1, 0, 2).reshape(t.shape[1], -1)

    def grouped(r, g):
        return r.reshape(r.shape[0], g, -1).transpose(1, 0, 2)

    if layer.order == "inc":
        exchanged = tables[-1]
        for i in range(len(tables) - 2, -1, -1):
            read = np_read(ln(i + 1, rows(tables[i])), exchanged, kind, scale)
            exchanged = tables[i] + grouped(read, tables[i].shape[0])
        out = np_read(ln(0, x), exchanged, kind, scale)
        return out + x if layer.residual else out
    h = x
    for i, table in enumerate(tables):
        out = np_read(ln(i, h), table, kind, scale)
        h = out + h if layer.residual else out
    return h


@pytest.mark.parametrize("order, sizes", [("inc", [4, 8, 16]),
                                          ("dec", [16, 8, 4])])
@pytest.mark.parametrize("n_head", [1, 2])
@pytest.mark.parametrize("residual", [True, False])
def test_soft_matches_numpy(rng, order, sizes, n_head, residual):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    layer = CacheHierarchy(sizes, order=order, n_head=n_head,
                           residual=residual, seed=3)
    layer(x)
    _randomise_norms(layer, rng)
    np.testing.assert_allclose(
        to_numpy(layer(x)), np_hierarchy(x, layer, "soft"), atol=ATOL
    )


@pytest.mark.parametrize("order, sizes", [("inc", [4, 8]), ("dec", [8, 4])])
def test_hard_matches_numpy(rng, order, sizes):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    layer = CacheHierarchy(sizes, order=order, read="hard")
    layer(x)
    np.testing.assert_allclose(
        to_numpy(layer(x)), np_hierarchy(x, layer, "hard"), atol=ATOL
    )


def test_variables_are_named_per_level(rng):
    layer = CacheHierarchy([4, 8], n_head=2)
    layer(np.zeros((1, 3, 8), "float32"))
    shapes = {w.path: tuple(w.shape) for w in layer.weights}
    assert shapes["cache_hierarchy/level_1/codebook"] == (2, 4, 4)
    assert shapes["cache_hierarchy/level_2/codebook"] == (2, 8, 4)


@pytest.mark.parametrize(
    "kwargs, trainable, non_trainable",
    [
        # Per level: the table, perplexity and usage; two norms of 2 each.
        ({"sizes": [4, 8]}, 4, 6),
        ({"sizes": [8, 4], "order": "dec", "n_head": 2, "head_norm": True},
         8, 6),
        # The options of the levels' codebooks pass through.
        ({"sizes": [8, 4], "order": "dec", "read": "hard", "ema": True,
          "commitment_weight": 0.5, "train_codebook": False}, 4, 10),
        ({"sizes": [4, 8], "train_codebook": True, "temperature": 2.0},
         6, 4),
    ],
)
def test_layer_contract(kwargs, trainable, non_trainable):
    layer = run_layer_test(CacheHierarchy, kwargs, (2, 3, 8), (2, 3, 8),
                           trainable, non_trainable)
    for key, value in kwargs.items():
        if key not in ("sizes", "order", "n_head", "head_norm"):
            assert all(getattr(level, key) == value for level in layer.levels)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"sizes": []}, "sizes"),
        ({"sizes": [8, 4], "order": "inc"}, "sizes"),
        ({"sizes": [4, 8], "order": "dec"}, "sizes"),
        ({"sizes": [4, 4], "order": "inc"}, "sizes"),
        ({"sizes": [4, 8], "order": "up"}, "order"),
        ({"sizes": [0, 8]}, "sizes"),
        ({"sizes": [4, 8], "read": "x"}, "read"),
        ({"sizes": [4, 8], "return_codes": True}, "return_codes"),
    ],
)
def test_bad_configuration(kwargs, name):
    with pytest.raises(ValueError, match=name):
        CacheHierarchy(**kwargs)


def test_heads_must_divide_features():
    with pytest.raises(ValueError, match="n_head"):
        CacheHierarchy([4, 8], n_head=3)(np.zeros((1, 2, 8), "float32"))
