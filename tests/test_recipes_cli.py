"""`kzoo.recipes_cli`: the recipes' JAX compilation cache (exit codes and
messages are tested through the recipes, `tests/recipes`)."""

import json
import os
import subprocess
import sys

import pytest

from kzoo.errors import UsageError
from kzoo.recipes_cli import int_list

from helpers import ROOT

_RUN = """
import json, sys
import jax, jax.numpy as jnp
from kzoo import recipes_cli
recipes_cli.compilation_cache()
jax.jit(lambda x: jnp.sin(x) * 2.0)(jnp.ones(3)).block_until_ready()
print(json.dumps(jax.config.jax_compilation_cache_dir))
"""


def _run(tmp_path, cache):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("JAX_")}
    env.pop("KZOO_JAX_CACHE", None)
    env.update(PYTHONPATH=ROOT, KERAS_BACKEND="jax", HOME=str(tmp_path))
    if cache is not None:
        env["KZOO_JAX_CACHE"] = cache
    done = subprocess.run([sys.executable, "-c", _RUN], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_recipes_keep_jax_compilations_in_the_named_folder(tmp_path):
    folder = tmp_path / "cache"
    assert _run(tmp_path, str(folder)) == str(folder)
    assert os.listdir(folder)  # the compiled function


def test_an_empty_cache_name_turns_the_cache_off(tmp_path):
    assert _run(tmp_path, "") is None
    assert not (tmp_path / ".cache" / "kzoo").exists()


def test_by_default_the_cache_is_in_the_users_cache_folder(tmp_path):
    folder = tmp_path / ".cache" / "kzoo" / "jax"
    assert _run(tmp_path, None) == str(folder)
    assert os.listdir(folder)


def test_int_list_reads_distinct_positive_integers():
    assert int_list("8, 16,32", "--lags") == [8, 16, 32]
    for text, message in (("8,,16", "--lags must be a comma-separated"),
                          ("8,x", "--lags must be integers"),
                          ("0,8", "--lags: every value must be >= 1"),
                          ("8,8", "--lags: 8 is given twice")):
        with pytest.raises(UsageError, match=message):
            int_list(text, "--lags")
