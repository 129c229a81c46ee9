import importlib.util
import os
import sys

import keras
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

BACKENDS = ("jax", "torch", "tensorflow")
_MODULES = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}


def installed_backends():
    return [b for b in BACKENDS if importlib.util.find_spec(_MODULES[b])]


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def np_layer_norm(x, gamma=1.0, beta=0.0, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def np_softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def np_soft_read(x, table, scale):
    """x (..., d), table (V, d)."""
    p = np_softmax(x @ table.T * scale)
    return p @ table, p.argmax(-1)


def np_hard_read(x, table):
    d2 = ((x[..., None, :] - table) ** 2).sum(-1)
    codes = d2.argmin(-1)
    return table[codes], codes


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def write_csv(path, values, header=("time(h)", "formaldehyde(ug/m³)")):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for i, v in enumerate(values):
            f.write(f"{i / 30.0},{v}\n")
    return str(path)


def smooth_series(n=300, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 50 * np.sin(t / 15.0) + rng.normal(0, 2, n)
