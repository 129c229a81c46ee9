"""`read_chunk`: a codebook read in chunks equals the dense read, values
and one training step, flat and product, soft and hard, and in every
level of a cache hierarchy."""

import keras
import numpy as np
import pytest

from kzoo.layers import CacheHierarchy
from kzoo.layers import Codebook
from kzoo.layers import ProductCodebook
from kzoo.models import Model

from layer_test import run_layer_test
from references import np_hard_read
from references import np_soft_read
from references import to_numpy

RTOL, ATOL = 1e-5, 1e-6
VOCAB, CHUNK = 11, 4  # a vocabulary the chunk does not divide


def _model(layer, dim=8):
    inputs = keras.Input((5, 3))
    hidden = keras.layers.Dense(dim, name="encoder")(inputs)
    outputs = keras.layers.Dense(1, name="decoder")(layer(hidden))
    return Model(inputs, outputs)


def _trained(make_layer, read_chunk, weights, x, y):
    """Initial weights, loss and weights after one SGD step of a model."""
    model = _model(make_layer(read_chunk))
    if weights is not None:
        model.set_weights(weights)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=len(x), epochs=1, verbose=0,
                        shuffle=False)
    return before, history.history["loss"][0], model.get_weights()


LAYERS = {
    "soft": lambda c: Codebook(VOCAB, read_chunk=c, name="memory"),
    "soft_trained_table": lambda c: Codebook(
        VOCAB, train_codebook=True, temperature=0.5, read_chunk=c,
        name="memory"),
    "hard_trained_table": lambda c: Codebook(
        VOCAB, read="hard", train_codebook=True, read_chunk=c,
        name="memory"),
    "hard_ema": lambda c: Codebook(
        VOCAB, read="hard", ema=True, read_chunk=c, name="memory"),
    "product_soft": lambda c: ProductCodebook(
        VOCAB, 2, head_norm=True, train_codebook=True, read_chunk=c,
        name="memory"),
    "product_hard": lambda c: ProductCodebook(
        VOCAB, 2, read="hard", train_codebook=True, read_chunk=c,
        name="memory"),
    # The exchanged tables depend on the trained norms: their reads need
    # the table's gradient although every level's own table is frozen.
    "hierarchy_inc": lambda c: CacheHierarchy(
        [5, VOCAB], n_head=2, read_chunk=c, name="memory"),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_one_training_step_equals_dense(rng, name):
    x = rng.normal(size=(6, 5, 3)).astype("float32")
    y = rng.normal(size=(6, 5, 1)).astype("float32")
    before, loss, dense = _trained(LAYERS[name], None, None, x, y)
    _, chunked_loss, chunked = _trained(LAYERS[name], CHUNK, before, x, y)
    # The loss is the forward pass (with the hard reads' losses).
    np.testing.assert_allclose(chunked_loss, loss, rtol=RTOL)
    for a, b in zip(chunked, dense):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    # Something trained: the encoder always, the table where it is trained.
    assert not np.allclose(dense[0], before[0])
    model = _model(LAYERS[name](CHUNK))
    for weight, a, b in zip(model.weights, before, dense):
        if "codebook" in weight.path and weight.trainable:
            assert not np.allclose(a, b), weight.path


@pytest.mark.parametrize("read", ["soft", "hard"])
@pytest.mark.parametrize("chunk", [1, CHUNK, 64])
def test_flat_read_matches_numpy(rng, read, chunk):
    x = rng.normal(size=(3, 7, 8)).astype("float32")
    layer = Codebook(VOCAB, read=read, temperature=0.5, return_codes=True,
                     read_chunk=chunk)
    layer(x)
    out, codes = layer(x)
    table = to_numpy(layer.codebook)
    if read == "soft":
        ref, ref_codes = np_soft_read(x, table, 1 / np.sqrt(8) / 0.5)
    else:
        ref, ref_codes = np_hard_read(x, table)
    np.testing.assert_allclose(to_numpy(out), ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(to_numpy(codes), ref_codes)


@pytest.mark.parametrize("read", ["soft", "hard"])
def test_product_read_matches_numpy(rng, read):
    x = rng.normal(size=(2, 6, 12)).astype("float32")
    layer = ProductCodebook(VOCAB, 3, read=read, return_codes=True,
                            read_chunk=CHUNK)
    out, ids = layer(x)
    tables = to_numpy(layer.codebook)
    heads = x.reshape(2, 6, 3, 4)
    outs, ref_ids = [], 0
    for h in range(3):
        if read == "soft":
            o, c = np_soft_read(heads[..., h, :], tables[h], 1 / np.sqrt(12))
        else:
            o, c = np_hard_read(heads[..., h, :], tables[h])
        outs.append(o)
        ref_ids = ref_ids * VOCAB + c
    np.testing.assert_allclose(to_numpy(out), np.concatenate(outs, -1),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(to_numpy(ids), ref_ids)


@pytest.mark.parametrize("read", ["soft", "hard"])
def test_mixed_precision_reads_in_float32(rng, read):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    layer = Codebook(VOCAB, read=read, read_chunk=CHUNK,
                     dtype="mixed_bfloat16")
    out = layer(x)
    assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
    table = to_numpy(layer.codebook)
    if read == "soft":
        ref, _ = np_soft_read(x, table, 1 / np.sqrt(8))
    else:
        ref, _ = np_hard_read(x, table)
    out = to_numpy(keras.ops.cast(out, "float32"))
    np.testing.assert_allclose(out, ref, atol=0.05, rtol=0.02)


def test_hierarchy_passes_read_chunk_to_every_level():
    layer = CacheHierarchy([4, 8, 16], n_head=2, read_chunk=3)
    assert [level.read_chunk for level in layer.levels] == [3, 3, 3]
    clone = CacheHierarchy.from_config(layer.get_config())
    assert [level.read_chunk for level in clone.levels] == [3, 3, 3]


def test_auto_chunks_large_tables_only():
    assert Codebook(2**14, read_chunk="auto").chunk_rows() == 8192
    assert Codebook(2**14 - 1, read_chunk="auto").chunk_rows() is None
    assert ProductCodebook(2**14, 2, read_chunk="auto").chunk_rows() == 8192
    assert Codebook(2**20).chunk_rows() is None
    assert Codebook(8, read_chunk=3).chunk_rows() == 3


@pytest.mark.parametrize(
    "cls, kwargs, outputs, trainable, non_trainable",
    [
        (Codebook, {"read_chunk": 5}, (2, 5, 8), 0, 3),
        (Codebook, {"read": "hard", "read_chunk": "auto",
                    "return_codes": True}, ((2, 5, 8), (2, 5)), 0, 3),
        (Codebook, {"train_codebook": True, "read_chunk": 1}, (2, 5, 8), 1,
         2),
        (ProductCodebook, {"n_head": 2, "read_chunk": 3}, (2, 5, 8), 0, 3),
    ],
)
def test_layer_contract(cls, kwargs, outputs, trainable, non_trainable):
    layer = run_layer_test(cls, {"vocab_size": VOCAB, **kwargs}, (2, 5, 8),
                           outputs, trainable, non_trainable)
    assert layer.get_config()["read_chunk"] == kwargs["read_chunk"]


@pytest.mark.parametrize("value", [0, -2, 2.5, True, "big"])
def test_bad_read_chunk(value):
    with pytest.raises(ValueError, match="read_chunk"):
        Codebook(8, read_chunk=value)
    with pytest.raises(ValueError, match="read_chunk"):
        CacheHierarchy([4, 8], read_chunk=value)
