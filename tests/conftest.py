import os
import sys

# Under pytest-xdist each worker keeps its own JAX compilation cache (set
# before JAX is imported): workers never write one cache file at once.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(
        "JAX_COMPILATION_CACHE_DIR"):
    os.environ["JAX_COMPILATION_CACHE_DIR"] = os.path.join(
        os.environ["JAX_COMPILATION_CACHE_DIR"],
        os.environ["PYTEST_XDIST_WORKER"])

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.dirname(TESTS))

from helpers import load_recipe  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    from kzoo import backend

    backend.set_random_seed(1234)
    yield
    keras.backend.clear_session()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def train_recipe():
    return load_recipe("train")
