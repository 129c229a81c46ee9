"""`.keras` round trips of every kzoo layer, within and across backends.

The cross-backend loader imports `kzoo` alone: that must register every
class a saved model needs.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kzoo.backend import LSTM
from kzoo.layers import CacheHierarchy
from kzoo.layers import CausalTokenMixing
from kzoo.layers import Codebook
from kzoo.layers import CodebookBlock
from kzoo.layers import CodebookRecall
from kzoo.layers import DelayEmbedding
from kzoo.layers import LearnedPositionalEncoding
from kzoo.layers import ProductCodebook
from kzoo.layers import RandnPositionalEncoding
from kzoo.layers import RotaryPositionalEncoding
from kzoo.layers import SinusoidalPositionalEncoding
from kzoo.models import LastValue
from kzoo.models import Model

from helpers import ROOT
from helpers import installed_backends
from helpers import next_backend


def _model():
    """Every layer kind side by side (not stacked: errors do not compound)."""
    inputs = keras.Input((20, 1))
    delayed = DelayEmbedding(3)(inputs)
    branches = [
        CodebookBlock(8, Codebook(16), RandnPositionalEncoding(64))(inputs),
        CodebookBlock(8, ProductCodebook(4, 2, head_norm=True, read="hard"),
                      RotaryPositionalEncoding())(inputs),
        CodebookBlock(8, CacheHierarchy([4, 8, 16]),
                      SinusoidalPositionalEncoding(scale=0.1),
                      mixers=[CausalTokenMixing(20)])(delayed),
        CodebookBlock(8, CacheHierarchy([16, 8], order="dec", n_head=2),
                      LearnedPositionalEncoding(64))(inputs),
        CodebookRecall(4, n_head=3)([delayed, inputs]),
        LastValue()(inputs),
        keras.layers.RepeatVector(20)(LSTM(3)(inputs)),
    ]
    outputs = keras.layers.Concatenate()(branches)
    return Model(inputs, outputs)


def test_keras_file_round_trip(tmp_path, rng):
    model = _model()
    x = rng.normal(size=(3, 20, 1)).astype("float32")
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                  model.predict(x, verbose=0))


LOAD_SCRIPT = """
import sys, numpy as np, keras
sys.path.insert(0, {root!r})
import kzoo
model = keras.models.load_model({path!r}, compile=False)
np.save({out!r}, model.predict(np.load({x!r}), verbose=0))
"""


OTHER_BACKENDS = [next_backend()]


@pytest.mark.slow
@pytest.mark.parametrize("other", OTHER_BACKENDS)
def test_saved_under_one_backend_predicts_the_same_under_another(
    tmp_path, rng, other
):
    if other not in installed_backends():
        pytest.fail(f"backend {other} is not installed: the test matrix "
                    "installs every backend in every environment")
    model = _model()
    x = rng.normal(size=(3, 20, 1)).astype("float32")
    paths = {k: str(tmp_path / f"{k}") for k in ("path", "x", "out")}
    paths["path"] += ".keras"
    paths["x"] += ".npy"
    paths["out"] += ".npy"
    model.save(paths["path"])
    np.save(paths["x"], x)
    env = dict(os.environ, KERAS_BACKEND=other, TF_CPP_MIN_LOG_LEVEL="3")
    script = LOAD_SCRIPT.format(root=ROOT, **paths)
    result = subprocess.run([sys.executable, "-c", script], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    np.testing.assert_allclose(np.load(paths["out"]),
                               model.predict(x, verbose=0), atol=1e-5)
