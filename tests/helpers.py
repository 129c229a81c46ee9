"""What the tests share: markers, backends, the repository and its recipes.

NumPy references are in `references.py`, small series and CSV files in
`datafiles.py`, the layer test in `layer_test.py`.
"""

import importlib.util
import os
import socket
import subprocess
import sys

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


def free_port():
    """A loopback port free now (for a chief oracle in a test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_env(tuner_id, port):
    """The environment of one process of a KerasTuner cluster on loopback."""
    return dict(os.environ, KERASTUNER_TUNER_ID=tuner_id,
                KERASTUNER_ORACLE_IP="127.0.0.1",
                KERASTUNER_ORACLE_PORT=str(port), TF_CPP_MIN_LOG_LEVEL="3")


class LoopbackCluster:
    """A chief and workers of one recipe on loopback, each process logging
    to `OUT/<tuner_id>.log`; `close` kills what is still running."""

    def __init__(self, script, args, out):
        self.script = script
        self.args = list(args)
        self.out = str(out)
        self.port = free_port()
        self.procs = {}

    def start(self, tuner_id, args=()):
        log = open(os.path.join(self.out, f"{tuner_id}.log"), "w")
        self.procs[tuner_id] = subprocess.Popen(
            [sys.executable, self.script, *self.args, *args],
            env=cluster_env(tuner_id, self.port), stdout=log,
            stderr=subprocess.STDOUT)

    def wait(self, tuner_id, timeout=300):
        return self.procs[tuner_id].wait(timeout=timeout)

    def log(self, tuner_id):
        with open(os.path.join(self.out, f"{tuner_id}.log")) as f:
            return f.read()

    def close(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
