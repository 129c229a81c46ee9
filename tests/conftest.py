import os
import sys

import keras
import numpy as np
import pytest

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
