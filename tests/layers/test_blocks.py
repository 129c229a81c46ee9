import keras
import numpy as np
import pytest

from helpers import np_layer_norm
from helpers import np_soft_read
from helpers import to_numpy
from kzoo.layers import Codebook
from kzoo.layers import CodebookBlock
from kzoo.layers import RandnPositionalEncoding
from kzoo.layers import RotaryPositionalEncoding
from kzoo.models import Model


def np_block(x, block, pe):
    w = {v.path.split("/", 1)[1]: to_numpy(v) for v in block.weights}
    h = x @ w["encoder/kernel"] + w["encoder/bias"]
    if pe == "randn":
        h = h + w["positional_encoding/encoding"][: x.shape[1]]
    h = np_layer_norm(h, w["norm/gamma"], w["norm/beta"])
    if pe == "rope":
        d = h.shape[-1]
        ang = np.arange(x.shape[1])[:, None] / 10000.0 ** (2 * np.arange(d // 2) / d)
        h1, h2 = h[..., : d // 2], h[..., d // 2:]
        h = np.concatenate([h1 * np.cos(ang) - h2 * np.sin(ang),
                            h2 * np.cos(ang) + h1 * np.sin(ang)], -1)
    h, _ = np_soft_read(h, w["codebook/codebook"], 1 / np.sqrt(h.shape[-1]))
    return h @ w["decoder/kernel"] + w["decoder/bias"]


@pytest.mark.parametrize("pe", [None, "randn", "rope"])
def test_block_matches_numpy(rng, pe):
    encoding = {
        None: None,
        "randn": RandnPositionalEncoding(32, name="positional_encoding"),
        "rope": RotaryPositionalEncoding(name="positional_encoding"),
    }[pe]
    block = CodebookBlock(8, Codebook(16, name="codebook"), encoding,
                          name="block")
    x = rng.normal(size=(3, 10, 1)).astype("float32")
    block(x)
    for v in block.weights:
        if v.path.endswith(("bias", "beta", "gamma")):
            v.assign(rng.normal(size=v.shape).astype("float32"))
    np.testing.assert_allclose(to_numpy(block(x)), np_block(x, block, pe),
                               atol=1e-5)
    assert block.compute_output_shape((3, 10, 1)) == (3, 10, 1)


def test_block_saves_and_loads(tmp_path, rng):
    inputs = keras.Input((None, 1))
    block = CodebookBlock(8, Codebook(16), RandnPositionalEncoding(20))
    model = Model(inputs, block(inputs))
    x = rng.normal(size=(2, 12, 1)).astype("float32")
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, Model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_block_bad_arguments():
    with pytest.raises(ValueError, match="d_model"):
        CodebookBlock(0, Codebook(4))
    with pytest.raises(ValueError, match="codebook"):
        CodebookBlock(4, "codebook")
