"""How `fit` is fed fastest on each backend.

Keras turns numpy arrays into batches itself. On JAX and PyTorch that is
cheap. On TensorFlow it builds a `tf.data` pipeline with index shuffling
and a parallel gather, whose iterator costs several milliseconds to create
every epoch (and again for every validation pass), and it calls the train
function once per batch, with TensorFlow's per-call overhead. For the small
series kzoo trains on, that overhead is most of an epoch. On TensorFlow
this module feeds a plain `from_tensor_slices -> shuffle -> batch`
dataset (seeded: the same seed gives the same batches) and runs a whole
epoch per call (`steps_per_execution`). The windows, batch size and number
of updates are the same; only the shuffling permutation differs from the
numpy path's.
"""

import math

import keras


def _feeds_dataset(data_parallel):
    """Whether this module feeds a `tf.data` dataset, an epoch per call."""
    return keras.backend.backend() == "tensorflow" and not data_parallel


def steps_per_execution(n_windows, batch_size, data_parallel=False):
    """`compile(steps_per_execution=...)` for `n_windows` training windows.

    TensorFlow: the batches of one epoch (one graph call per epoch), except
    under `MirroredStrategy` (`data_parallel`), whose distributed iterator
    fails inside Keras's multi-step loop. JAX unrolls `steps_per_execution`
    steps inside its compiled function (the compile time grows with it) and
    PyTorch loops in Python either way: 1 there.
    """
    if _feeds_dataset(data_parallel):
        return max(1, math.ceil(n_windows / batch_size))
    return 1


def fit_arguments(train, validation, batch_size, validation_batch_size,
                  seed=0, shuffle=True, data_parallel=False):
    """Keyword arguments of `fit` for `(x, y)` arrays `train` and `validation`.

    Args:
        train: `(x, y)` training arrays.
        validation: `(x, y)` validation arrays, or `None`.
        batch_size: training batch size.
        validation_batch_size: batch size of the validation pass.
        seed: seed of the training shuffle (TensorFlow's dataset).
        shuffle: reshuffle the training windows every epoch.
        data_parallel: fitting under `MirroredStrategy`: Keras's own
            batching, the path tested equal to a single-device fit.

    Returns:
        A dict to pass as `model.fit(**arguments, epochs=..., ...)`.
    """
    if not _feeds_dataset(data_parallel):
        arguments = {"x": train[0], "y": train[1], "batch_size": batch_size,
                     "shuffle": shuffle}
        if validation is not None:
            arguments["validation_data"] = tuple(validation)
            arguments["validation_batch_size"] = validation_batch_size
        return arguments
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(tuple(train))
    if shuffle:
        dataset = dataset.shuffle(len(train[0]), seed=seed,
                                  reshuffle_each_iteration=True)
    # The dataset shuffles itself; `fit`'s own `shuffle` (True by default)
    # would only make Keras warn that it ignores it.
    arguments = {"x": dataset.batch(batch_size), "shuffle": False}
    if validation is not None:
        arguments["validation_data"] = tf.data.Dataset.from_tensor_slices(
            tuple(validation)
        ).batch(validation_batch_size)
    return arguments
