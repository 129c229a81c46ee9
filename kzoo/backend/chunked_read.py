"""Fast paths of the chunked soft read, per backend."""

import keras


def _jax_path(queries, table, factor, chunk, table_grad):
    import jax.numpy as jnp

    from kzoo.backend import jax_chunked_read

    out, codes = jax_chunked_read.soft_read(
        jnp.swapaxes(queries, 0, 1), table, factor, chunk, table_grad)
    return jnp.swapaxes(out, 0, 1), jnp.swapaxes(codes, 0, 1)


def _torch_path(queries, table, factor, chunk, table_grad):
    from kzoo.backend import torch_chunked_read

    out, codes = torch_chunked_read.soft_read(
        queries.transpose(0, 1), table, factor, chunk, table_grad)
    return out.transpose(0, 1), codes.transpose(0, 1)


def _tf_path(queries, table, factor, chunk, table_grad):
    import tensorflow as tf

    from kzoo.backend import tf_chunked_read

    out, codes = tf_chunked_read.soft_read(
        tf.transpose(queries, (1, 0, 2)), table, factor, chunk, table_grad)
    return tf.transpose(out, (1, 0, 2)), tf.transpose(codes)


def soft_read_path():
    """The active backend's chunked soft read, or `None` (the reference)."""
    return {"jax": _jax_path, "torch": _torch_path,
            "tensorflow": _tf_path}.get(keras.backend.backend())
