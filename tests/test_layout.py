"""The package's shape: imports run one way, small modules, self-contained."""

import ast
import glob
import os
import site

from helpers import ROOT

PACKAGE = os.path.join(ROOT, "kzoo")
MAX_LINES = 300


def _python_files(*folders):
    for folder in folders:
        for path, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(path, name)


def _unit(path):
    """The subpackage (or top-level module) of kzoo a file belongs to."""
    parts = os.path.relpath(path, PACKAGE).split(os.sep)
    return parts[0] if len(parts) > 1 else parts[0][:-3]


def _kzoo_imports(path):
    """Subpackages of kzoo a file imports (any import, lazy ones too)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif (isinstance(node, ast.ImportFrom) and node.module
              and not node.level):
            names = [node.module]
            if node.module == "kzoo":
                names = ["kzoo." + alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "kzoo" and len(parts) > 1:
                yield parts[1]


def import_graph():
    """`{unit: {units it imports}}` over kzoo's subpackages and modules."""
    graph = {}
    for path in _python_files("kzoo"):
        if path == os.path.join(PACKAGE, "__init__.py"):
            continue  # the root only gathers (registers) the others
        unit = _unit(path)
        graph.setdefault(unit, set()).update(
            u for u in _kzoo_imports(path) if u != unit)
    return graph


def find_cycle(graph):
    """A list of units that import each other in a ring, or `None`."""
    state = {}

    def visit(unit, trail):
        state[unit] = "open"
        for other in sorted(graph.get(unit, ())):
            if state.get(other) == "open":
                return trail[trail.index(other):] + [other]
            if other not in state:
                cycle = visit(other, trail + [other])
                if cycle:
                    return cycle
        state[unit] = "done"
        return None

    for unit in sorted(graph):
        if unit not in state:
            cycle = visit(unit, [unit])
            if cycle:
                return cycle
    return None


# The floors docs/library.md states, bottom up: each unit imports only units
# below it (`errors`, `storage` and `backend` at the bottom, `benchmarks`
# at the top).
FLOORS = ("errors", "storage", "backend", "layers", "models", "data",
          "eval", "peers", "training", "tuning", "benchmarks")


def test_imports_run_one_way():
    graph = import_graph()
    assert find_cycle(graph) is None
    for level, unit in enumerate(FLOORS):
        below = set(FLOORS[:level])
        assert graph.get(unit, set()) <= below, (unit, graph.get(unit))
    # Every subpackage has a floor.
    assert set(graph) - {"recipes_cli"} <= set(FLOORS)


def test_the_cycle_finder_finds_a_ring():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [
        "a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_is_over_300_lines():
    long = {}
    for path in _python_files("kzoo", "recipes"):
        lines = sum(1 for _ in open(path, encoding="utf-8"))
        if lines > MAX_LINES:
            long[os.path.relpath(path, ROOT)] = lines
    assert long == {}


def test_tests_mirror_the_package_as_packages():
    # Every test folder is a package, so two test modules of one name can
    # sit in two folders (tests/benchmarks/study/test_measure.py beside
    # tests/benchmarks/recall/test_measure.py).
    folders = {os.path.dirname(p) for p in _python_files("tests")}
    missing = sorted(os.path.relpath(f, ROOT) for f in folders
                     if not os.path.exists(os.path.join(f, "__init__.py")))
    assert missing == []
    # Each test folder below tests/ names a subpackage of kzoo.
    for folder in folders:
        relative = os.path.relpath(folder, os.path.join(ROOT, "tests"))
        if relative not in (".", "recipes"):
            assert os.path.isdir(os.path.join(PACKAGE, relative)), relative


def test_nothing_reaches_outside_the_repository():
    # A user's clone has no ../shared folder.
    offenders = [os.path.relpath(p, ROOT)
                 for p in _python_files("kzoo", "recipes")
                 if "../shared" in open(p, encoding="utf-8").read()
                 or "shared/data" in open(p, encoding="utf-8").read()]
    assert offenders == []


def test_the_reference_series_ships_with_the_package():
    from kzoo import data

    series = data.load("y_w")
    assert len(series.values) == 733 and series.name == "y_w"
    assert series.label == "formaldehyde(ug/m³)"
    assert data.REFERENCE_CSV.startswith(PACKAGE)
    # Installed from a wheel (as tox installs it), the file is part of it.
    for folder in site.getsitepackages():
        for record in glob.glob(os.path.join(folder, "kzoo-*.dist-info",
                                             "RECORD")):
            text = open(record, encoding="utf-8").read()
            if "__editable__" not in text:
                assert "kzoo/data/y+w.csv," in text
