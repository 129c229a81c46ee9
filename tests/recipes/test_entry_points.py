"""The recipes installed as commands (`[project.scripts]`), and the wheel's
package list."""

import os
import subprocess
import sys

import pytest
import tomllib

from helpers import ONCE
from helpers import ROOT

PYPROJECT = os.path.join(ROOT, "pyproject.toml")


def _project():
    with open(PYPROJECT, "rb") as f:
        return tomllib.load(f)


def test_every_recipe_has_a_command():
    scripts = _project()["project"]["scripts"]
    recipes = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT,
                                                                   "recipes"))
                     if name.endswith(".py") and name != "__init__.py")
    assert sorted(scripts) == [f"kzoo-{name}" for name in recipes]
    for name in recipes:
        assert scripts[f"kzoo-{name}"] == f"kzoo.recipes.{name}:cli"


def test_the_package_list_is_the_tree():
    # The wheel's packages are listed by hand (recipes/ is mapped to
    # kzoo.recipes): a new subpackage missing from the list would be
    # missing from every installed kzoo.
    listed = set(_project()["tool"]["setuptools"]["packages"])
    found = {"kzoo.recipes"}
    for path, _, files in os.walk(os.path.join(ROOT, "kzoo")):
        if "__init__.py" in files:
            found.add(os.path.relpath(path, ROOT).replace(os.sep, "."))
    assert listed == found


@ONCE
@pytest.mark.slow
def test_an_installed_command_runs_the_recipe(tmp_path):
    # tox installs kzoo from its wheel: the command sits beside the Python
    # that runs the tests, and runs from any directory (no checkout on the
    # path).
    command = os.path.join(os.path.dirname(sys.executable), "kzoo-train")
    assert os.path.exists(command), command
    done = subprocess.run([command, "--help"], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, PYTHONPATH=""))
    assert done.returncode == 0, done.stderr
    assert "usage: train.py" in done.stdout and "--model" in done.stdout
    done = subprocess.run([command, "--model", "nosuchmodel"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert "nosuchmodel" in done.stderr
