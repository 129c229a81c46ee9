"""Backend-specific code. The only package that may import torch, jax or tensorflow."""

import keras

from kzoo.backend.lstm import LSTM  # noqa: F401


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
