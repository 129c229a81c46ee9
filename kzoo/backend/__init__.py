"""Backend-specific code: the only package that imports torch, jax or tf.

Fast paths (the LSTM kernels), how `fit` is fed on each backend, data
parallelism and the plain-PyTorch reference loop; each is tested equal to
the generic `keras.ops` path.
"""

import os
import random
import sys

import keras
import numpy as np

from kzoo.backend.inputs import fit_arguments  # noqa: F401
from kzoo.backend.inputs import steps_per_execution  # noqa: F401
from kzoo.backend.lstm import LSTM  # noqa: F401
from kzoo.errors import UsageError

# The Keras backends kzoo runs on, in the order the tables list them.
BACKENDS = ("jax", "torch", "tensorflow")


def set_random_seed(seed):
    """`keras.utils.set_random_seed`, without importing TensorFlow needlessly.

    Keras's function also seeds TensorFlow whenever it is installed, which
    imports it: seconds of start-up and hundreds of MiB on the JAX and
    PyTorch backends of an environment that has all three (the test
    matrix's). Here TensorFlow is seeded only when it is the backend or
    already imported; everything else is as Keras does it (Python, NumPy,
    torch, and Keras's global seed generator, reset).
    """
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"`seed` must be an integer. Received: seed={seed!r}")
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR,
                                      None)
    random.seed(seed)
    np.random.seed(seed)
    if keras.backend.backend() == "torch":
        import torch

        torch.manual_seed(seed)


def enable_compilation_cache(path):
    """Keep JAX's compiled functions in `path` for later runs and processes.

    XLA compiles every step function of every model, seconds each on a
    CPU: most of a short run. The cache is keyed by the computation, so
    another seed of the same model, or a fresh process, compiles nothing.
    Does nothing on other backends (or where the path was set already).
    """
    if keras.backend.backend() != "jax":
        return
    import jax

    if jax.config.jax_compilation_cache_dir:
        return
    os.makedirs(path, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def enable_determinism():
    """Make the active backend's kernels deterministic where it needs asking.

    JAX and PyTorch on CPU are deterministic for the same seed; TensorFlow
    needs op determinism switched on.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def library_versions():
    """Versions of keras and the active backend library."""
    import importlib.metadata as metadata

    name = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}.get(
        keras.backend.backend()
    )
    versions = {"keras": keras.__version__}
    for package in ("numpy", name, "tensorflow-cpu", "jaxlib"):
        if package is None:
            continue
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return versions


DATA_PARALLEL_BACKENDS = ("jax", "tensorflow")


def local_devices():
    """Names of the devices data parallelism would use on this backend."""
    backend = keras.backend.backend()
    if backend == "jax":
        return keras.distribution.list_devices()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        return [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
    return []


class data_parallel:
    """Context in which models are built and fitted data-parallel.

    Each batch is split over every local device: on JAX with Keras's own
    `keras.distribution.DataParallel`, on TensorFlow with
    `tf.distribute.MirroredStrategy`. Keras 3 has no data parallelism for
    PyTorch: entering raises `ValueError`.
    """

    def __init__(self):
        backend = keras.backend.backend()
        if backend not in DATA_PARALLEL_BACKENDS:
            raise UsageError(
                f"data-parallel training is not available on the {backend} "
                "backend in Keras 3; use one of: "
                f"{', '.join(DATA_PARALLEL_BACKENDS)}"
            )
        self.backend = backend
        self.devices = local_devices()

    def __enter__(self):
        if self.backend == "jax":
            self._previous = keras.distribution.distribution()
            keras.distribution.set_distribution(
                keras.distribution.DataParallel(devices=self.devices)
            )
        else:
            import tensorflow as tf

            self._scope = tf.distribute.MirroredStrategy(self.devices).scope()
            self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        if self.backend == "jax":
            keras.distribution.set_distribution(self._previous)
        else:
            self._scope.__exit__(*exc)
        return False


def device_peak_memory_mb():
    """Peak accelerator memory in MiB where the backend reports it, or None."""
    backend = keras.backend.backend()
    try:
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return torch.cuda.max_memory_allocated() / 2**20
        elif backend == "jax":
            import jax

            stats = jax.devices()[0].memory_stats()
            if stats and "peak_bytes_in_use" in stats:
                return stats["peak_bytes_in_use"] / 2**20
        elif backend == "tensorflow":
            import tensorflow as tf

            if tf.config.list_physical_devices("GPU"):
                info = tf.config.experimental.get_memory_info("GPU:0")
                return info["peak"] / 2**20
    except Exception:  # a backend without memory statistics
        return None
    return None
