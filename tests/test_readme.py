"""The README's code blocks, run as a test can run them.

As vector-quantize-pytorch's `tests/test_readme.py`: every ```python block
runs as written. Every recipe command of a ```bash block (`python
recipes/NAME.py ...`, with its environment variables and line
continuations) is parsed by that recipe's own parser, so a flag or value
the recipe does not take fails here; the commands that train for minutes
to hours are not run (their `--quick` forms run in
`tests/benchmarks/*/test_suite.py`).
"""

import os
import re
import shlex

import pytest

from helpers import ROOT
from helpers import load_recipe

README = os.path.join(ROOT, "README.md")


def blocks(language):
    text = open(README, encoding="utf-8").read()
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def recipe_commands():
    """`(recipe, argv)` of every recipe command in the bash blocks."""
    commands = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words.pop(0)  # KERAS_BACKEND=jax ...
                if (len(words) >= 2 and words[0] == "python"
                        and words[1].startswith("recipes/")):
                    name = os.path.basename(words[1])[:-3]
                    commands.append((name, words[2:]))
    return commands


def test_the_readme_has_blocks_to_run():
    assert blocks("python") and len(recipe_commands()) >= 8


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_blocks_run(index):
    exec(compile(blocks("python")[index], README, "exec"), {})


@pytest.mark.parametrize("name,argv", recipe_commands(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_recipe_commands_parse(name, argv):
    recipe = load_recipe(name)
    recipe.parser().parse_args(argv)  # raises UsageError on a bad flag
