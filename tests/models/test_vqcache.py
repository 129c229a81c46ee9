import numpy as np
import pytest

from kzoo import models
from kzoo.layers import CausalLongConvolution
from kzoo.layers import CodebookCache
from kzoo.layers import CodebookRecall

SMALL = {"time_steps": 24, "d_model": 8, "vocab_size": 8, "block_size": 4,
         "patch": 4, "layers": 1}


def test_registered_with_their_defaults():
    for name, heads in (("vqcache", 1), ("mhvqcache", 4)):
        spec = models.spec(name)
        assert spec.target == "aligned"
        assert spec.defaults["n_head"] == heads
        assert spec.defaults["time_steps"] == 256
        model = models.build(name)
        assert model.output_shape == (None, 256, 1)
        cache = model.get_layer("cache_1")
        assert isinstance(cache, CodebookCache)
        assert cache.n_head == heads and cache.block_size == 32
        assert cache.key_lag == 0
        assert tuple(cache.codebook.codebook.shape) == (
            heads, 64, 32 // heads)
        conv = model.get_layer("conv_1")
        assert isinstance(conv, CausalLongConvolution)
        assert conv.max_length == 256


# Fitting and the `.keras` round trip: test_models.py's
# test_every_model_builds_fits_and_saves, which covers every registered model.
@pytest.mark.parametrize("name, hp", [
    ("vqcache", SMALL), ("mhvqcache", dict(SMALL, n_head=2)),
    ("vqcache", dict(SMALL, key_lag=1)),
    ("vqrecall", {"time_steps": 24, "key": 4, "n_head": 2, "levels": 4,
                  "d_model": 8, "layers": 1})])
def test_the_past_does_not_see_the_future(rng, name, hp):
    model = models.build(name, **hp)
    x = rng.normal(size=(8, 24, 1)).astype("float32")
    out = model.predict(x, verbose=0)
    assert out.shape == (8, 24, 1)
    changed = x.copy()
    changed[:, 13:] += 5.0
    moved = model.predict(changed, verbose=0)
    np.testing.assert_allclose(moved[:, :13], out[:, :13], atol=1e-5)
    assert np.abs(moved[:, 13] - out[:, 13]).max() > 1e-4


@pytest.mark.parametrize("hp, match", [
    ({"block_size": 0}, "`block_size` must be an integer >= 1"),
    ({"layers": 0}, "`layers` must be an integer >= 1"),
    ({"d_model": 10, "n_head": 4}, "`n_head` must divide"),
    ({"vocab_size": 0}, "num_codes"),
    ({"key_lag": -1}, "`key_lag` must be an integer >= 0"),
])
def test_bad_hyperparameters(hp, match):
    with pytest.raises(ValueError, match=match):
        models.build("vqcache", **hp)


def test_the_ablations_drop_their_part(rng):
    x = rng.normal(size=(2, 24, 1)).astype("float32")
    for cache, conv in ((False, True), (True, False), (False, False)):
        model = models.build("vqcache", **SMALL, cache=cache,
                             convolution=conv)
        kinds = {type(layer) for layer in model.layers}
        assert (CodebookCache in kinds) == cache
        assert (CausalLongConvolution in kinds) == conv
        assert model.predict(x, verbose=0).shape == (2, 24, 1)


def test_the_convolution_reads_the_stream_unless_conv_norm(rng):
    x = rng.normal(size=(2, 24, 1)).astype("float32")
    for conv_norm in (False, True):
        model = models.build("vqcache", **SMALL, conv_norm=conv_norm)
        names = {layer.name for layer in model.layers}
        assert ("conv_norm_1" in names) == conv_norm
        conv = model.get_layer("conv_1")
        source = conv._inbound_nodes[0].parent_nodes[0].operation
        expected = "conv_norm_1" if conv_norm else "cache_add_1"
        assert source.name == expected
        assert model.predict(x, verbose=0).shape == (2, 24, 1)


def test_vqrecall_registered_with_its_defaults():
    spec = models.spec("vqrecall")
    assert spec.target == "aligned"
    model = models.build("vqrecall")
    assert model.output_shape == (None, 256, 1)
    recall = model.get_layer("recall")
    assert isinstance(recall, CodebookRecall)
    assert (recall.levels, recall.n_head) == (128, 4)
    assert recall.num_codes(8) == 16384  # codes per head: 128 ** (8 / 4)
    assert model.get_layer("delay_embedding").patch == 8


@pytest.mark.parametrize("hp, match", [
    ({"key": 5}, "`n_head` must divide the key width K=5"),
    ({"levels": 1}, "`levels` must be an integer >= 2"),
    ({"key": 0}, "`key` must be an integer >= 1"),
])
def test_vqrecall_bad_hyperparameters(hp, match):
    with pytest.raises(ValueError, match=match):
        models.build("vqrecall", **{"key": 4, "n_head": 2, **hp})
