"""What the tests share: markers, backends, the repository and its recipes.

NumPy references are in `references.py`, small series and CSV files in
`datafiles.py`, the layer test in `layer_test.py`.
"""

import importlib.util
import os

import keras
import pytest

from kzoo.backend import BACKENDS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _torch_environment_only(reason):
    """Run a test in the torch environment of the matrix only."""
    return pytest.mark.skipif(keras.backend.backend() != "torch",
                              reason=reason)


# For tests of process orchestration that do not depend on the backend
# under test (they start their own subprocesses): they run once, in the
# torch environment of the matrix (no compilation: the quickest for tiny
# models), not three times.
ONCE = _torch_environment_only(
    "backend-independent process orchestration: run once, in the torch "
    "environment")

# For tests of plain PyTorch code that Keras's backend does not touch (the
# reference loop the benchmark times): the torch environment runs them.
PLAIN_TORCH = _torch_environment_only(
    "plain PyTorch, independent of the Keras backend: run in the torch "
    "environment")


def next_backend():
    """The backend after the active one in a ring (jax, torch, tensorflow).

    Cross-backend tests save under the active backend and load under the
    next one: across the three environments of the matrix every backend
    saves once and loads once, at a third of the cost of loading under
    both others everywhere.
    """
    active = keras.backend.backend()
    return BACKENDS[(BACKENDS.index(active) + 1) % len(BACKENDS)]


def installed_backends():
    return [b for b in BACKENDS if importlib.util.find_spec(b)]


def load_recipe(name):
    """Import `recipes/<name>.py` as a module."""
    path = os.path.join(ROOT, "recipes", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
