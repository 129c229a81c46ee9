"""The layer test: shapes, serialisation and training of one layer, as
Keras's own `TestCase.run_layer_test`."""

import os
import tempfile

import keras
import numpy as np

from references import to_numpy


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _shape_tuple(shape):
    return tuple(None if d is None else int(d) for d in shape)


def run_layer_test(layer_cls, init_kwargs, input_shape, expected_output_shape,
                   expected_trainable=0, expected_non_trainable=0,
                   input_data=None, seed=0):
    """The checks every kzoo layer passes, after Keras's `run_layer_test`.

    1. `get_config` round trip: `from_config(get_config())` has an equal
       config.
    2. The output shape on data equals `expected_output_shape` and
       `compute_output_shape`; a symbolic call gives the same shape.
    3. Weight counts: `expected_trainable` and `expected_non_trainable`
       variables once built.
    4. A clone from the config with the same weights gives the same output.
    5. A `.keras` round trip of a model around the layer (loaded after
       `import kzoo` alone) predicts the same.

    `expected_output_shape` is one shape, or a tuple of shapes for a layer
    with several outputs; `input_shape` a list of shapes for a layer of
    several inputs (then `input_data` is their list). Returns the built
    layer.
    """

    import kzoo  # noqa: F401  (registers every kzoo class)
    from kzoo.models import Model

    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config

    several = isinstance(input_shape, list)
    shapes = input_shape if several else [input_shape]
    if input_data is None:
        rng = np.random.default_rng(seed)
        input_data = [rng.normal(size=s).astype("float32") for s in shapes]
        input_data = input_data if several else input_data[0]

    def symbolic_inputs(free_batch=False):
        made = [keras.Input(batch_shape=(None if free_batch else s[0],)
                            + tuple(s[1:])) for s in shapes]
        return made if several else made[0]

    outputs = _as_tuple(layer(input_data))
    many = isinstance(expected_output_shape[0], (tuple, list))
    expected = expected_output_shape if many else (expected_output_shape,)
    assert [tuple(o.shape) for o in outputs] == [tuple(e) for e in expected]
    computed = layer.compute_output_shape(
        [tuple(s) for s in shapes] if several else tuple(input_shape))
    computed = computed if many else (computed,)
    assert [_shape_tuple(c) for c in computed] == [tuple(e) for e in expected]

    symbolic = _as_tuple(layer_cls.from_config(config)(symbolic_inputs()))
    assert [_shape_tuple(s.shape) for s in symbolic] == [
        tuple(e) for e in expected]

    assert len(layer.trainable_weights) == expected_trainable
    assert len(layer.non_trainable_weights) == expected_non_trainable

    clone(input_data)
    clone.set_weights(layer.get_weights())
    for a, b in zip(outputs, _as_tuple(clone(input_data))):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=1e-6)

    inputs = symbolic_inputs(free_batch=True)
    wrapped = layer_cls.from_config(config)
    model = Model(inputs, wrapped(inputs))
    wrapped.set_weights(layer.get_weights())
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "layer.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    for a, b in zip(_as_tuple(model.predict(input_data, verbose=0)),
                    _as_tuple(loaded.predict(input_data, verbose=0))):
        np.testing.assert_allclose(a, b, atol=1e-6)
    return layer

