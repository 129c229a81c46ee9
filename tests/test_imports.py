"""Only kzoo/backend may import a backend library."""

import ast
import os

from helpers import ROOT

FORBIDDEN = {"torch", "jax", "jaxlib", "tensorflow"}


def _imported_roots(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif (isinstance(node, ast.ImportFrom) and node.module
              and not node.level):
            yield node.module.split(".")[0], node.lineno
        elif (isinstance(node, ast.Call)
              and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant)):
            yield str(node.args[0].value).split(".")[0], node.lineno


def test_no_backend_imports_outside_kzoo_backend():
    package = os.path.join(ROOT, "kzoo")
    offenders = []
    for folder, _, files in os.walk(package):
        if os.path.relpath(folder, package).split(os.sep)[0] == "backend":
            continue
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                for root, line in _imported_roots(path):
                    if root in FORBIDDEN:
                        where = os.path.relpath(path, ROOT)
                        offenders.append(f"{where}:{line} {root}")
    assert offenders == []


def test_the_check_catches_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom jax import numpy as jnp\n"
                   "import importlib\nimportlib.import_module('torch.nn')\n")
    roots = {r for r, _ in _imported_roots(str(bad))}
    assert roots & FORBIDDEN == {"jax", "torch"}
