"""Helpers shared by the tests: NumPy references, CSV writers, recipe loading."""

import importlib.util
import os

import keras
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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


def load_recipe(name):
    """Import `recipes/<name>.py` as a module."""
    path = os.path.join(ROOT, "recipes", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
