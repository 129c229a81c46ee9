"""The `>>>` examples in the public layers' docstrings run as written."""

import doctest

import keras
import pytest

import kzoo.backend.lstm
import kzoo.layers
import kzoo.models.builders
from kzoo.layers import blocks
from kzoo.layers import cache_hierarchy
from kzoo.layers import codebook
from kzoo.layers import forecast
from kzoo.layers import mixing
from kzoo.layers import positional
from kzoo.layers import product_codebook

MODULES = [codebook, product_codebook, cache_hierarchy, blocks, mixing,
           positional, forecast, kzoo.models.builders, kzoo.backend.lstm]
PUBLIC = [kzoo.backend.lstm.LSTM, kzoo.models.builders.LastValue] + [
    getattr(kzoo.layers, name) for name in dir(kzoo.layers)
    if isinstance(getattr(kzoo.layers, name), type)]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_examples_run(module):
    globs = {"keras": keras, "LSTM": kzoo.backend.lstm.LSTM,
             "LastValue": kzoo.models.builders.LastValue,
             **{name: getattr(kzoo.layers, name) for name in dir(kzoo.layers)
                if not name.startswith("_")}}
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, globs=globs) if t.examples]
    assert tests, module.__name__
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_public_layer_has_an_example(cls):
    assert ">>> " in cls.__doc__, cls.__name__
