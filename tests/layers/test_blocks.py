import numpy as np
import pytest

from kzoo.layers import CacheHierarchy
from kzoo.layers import CausalTokenMixing
from kzoo.layers import Codebook
from kzoo.layers import CodebookBlock
from kzoo.layers import ProductCodebook
from kzoo.layers import RandnPositionalEncoding
from kzoo.layers import RotaryPositionalEncoding

from layer_test import run_layer_test
from references import np_layer_norm
from references import np_soft_read
from references import to_numpy


def np_block(x, block, pe):
    w = {v.path.split("/", 1)[1]: to_numpy(v) for v in block.weights}
    h = x @ w["encoder/kernel"] + w["encoder/bias"]
    if pe == "randn":
        h = h + w["positional_encoding/encoding"][: x.shape[1]]
    h = np_layer_norm(h, w["norm/gamma"], w["norm/beta"])
    if pe == "rope":
        d = h.shape[-1]
        ang = (np.arange(x.shape[1])[:, None]
               / 10000.0 ** (2 * np.arange(d // 2) / d))
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


@pytest.mark.parametrize(
    "make, trainable, non_trainable",
    [
        # encoder 2, norm 2, decoder 2; the table, perplexity, usage, the
        # fixed encoding.
        (lambda: {"memory": Codebook(16),
                  "positional_encoding": RandnPositionalEncoding(20)}, 6, 4),
        (lambda: {"memory": ProductCodebook(4, 2, head_norm=True),
                  "positional_encoding": RotaryPositionalEncoding(),
                  "mixers": [CausalTokenMixing(12)], "residual": True},
         6 + 2 + 6, 3),
        (lambda: {"memory": CacheHierarchy([4, 8]), "layer_norm": False,
                  "output_dim": 2}, 4 + 4, 6),
    ],
)
def test_layer_contract(make, trainable, non_trainable):
    output_dim = make().get("output_dim", 1)
    run_layer_test(CodebookBlock, {"d_model": 8, **make()}, (2, 12, 1),
                   (2, 12, output_dim), trainable, non_trainable)


def test_block_bad_arguments():
    with pytest.raises(ValueError, match="d_model"):
        CodebookBlock(0, Codebook(4))
    with pytest.raises(ValueError, match="memory"):
        CodebookBlock(4, "codebook")
    with pytest.raises(ValueError, match="n_head"):
        CodebookBlock(10, ProductCodebook(4, n_head=4))
