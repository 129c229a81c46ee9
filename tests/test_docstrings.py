"""Every `>>>` example in kzoo's docstrings runs as written.

One collector for the whole package: it walks every module of `kzoo` and
runs the examples it finds, with `keras` and the public layers in scope
(as a reader of the layer docs has them), so a new module's examples are
run without being listed here.
"""

import doctest
import importlib
import pkgutil

import keras
import pytest

import kzoo
import kzoo.layers


def _modules():
    names = []
    for info in pkgutil.walk_packages(kzoo.__path__, "kzoo."):
        module = importlib.import_module(info.name)
        finder = doctest.DocTestFinder()
        if any(t.examples for t in finder.find(module)):
            names.append(info.name)
    return names


MODULES = _modules()
PUBLIC = [getattr(kzoo.layers, name) for name in dir(kzoo.layers)
          if isinstance(getattr(kzoo.layers, name), type)]


def test_the_collector_finds_the_known_examples():
    # A floor, so a broken walk cannot pass by finding nothing.
    for name in ("kzoo.layers.codebook", "kzoo.layers.ridge_codebook",
                 "kzoo.peers.linear", "kzoo.peers.esn",
                 "kzoo.benchmarks.child"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    globs = {"keras": keras,
             **{n: getattr(kzoo.layers, n) for n in dir(kzoo.layers)
                if not n.startswith("_")},
             **vars(module)}
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, globs=globs) if t.examples]
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, name


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_public_layer_has_an_example(cls):
    assert ">>> " in cls.__doc__, cls.__name__
