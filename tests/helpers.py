"""What the tests share: NumPy references, data, recipes, the layer test."""

import importlib.util
import os

import keras
import numpy as np
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


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def np_layer_norm(x, gamma=1.0, beta=0.0, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def np_softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def np_soft_read(x, table, scale):
    """x (..., d), table (V, d)."""
    p = np_softmax(x @ table.T * scale)
    return p @ table, p.argmax(-1)


def np_hard_read(x, table):
    d2 = ((x[..., None, :] - table) ** 2).sum(-1)
    codes = d2.argmin(-1)
    return table[codes], codes


def write_csv(path, values, header=("time(h)", "formaldehyde(ug/m³)")):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for i, v in enumerate(values):
            f.write(f"{i / 30.0},{v}\n")
    return str(path)


def smooth_series(n=300, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 50 * np.sin(t / 15.0) + rng.normal(0, 2, n)


def load_recipe(name):
    """Import `recipes/<name>.py` as a module."""
    path = os.path.join(ROOT, "recipes", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    with several outputs. Returns the built layer.
    """
    import tempfile

    import kzoo  # noqa: F401  (registers every kzoo class)
    from kzoo.models import Model

    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config

    if input_data is None:
        rng = np.random.default_rng(seed)
        input_data = rng.normal(size=input_shape).astype("float32")
    outputs = _as_tuple(layer(input_data))
    many = isinstance(expected_output_shape[0], (tuple, list))
    expected = expected_output_shape if many else (expected_output_shape,)
    assert [tuple(o.shape) for o in outputs] == [tuple(e) for e in expected]
    computed = layer.compute_output_shape(tuple(input_shape))
    computed = computed if many else (computed,)
    assert [_shape_tuple(c) for c in computed] == [tuple(e) for e in expected]

    symbolic = _as_tuple(layer_cls.from_config(config)(
        keras.Input(batch_shape=tuple(input_shape))))
    assert [_shape_tuple(s.shape) for s in symbolic] == [
        tuple(e) for e in expected]

    assert len(layer.trainable_weights) == expected_trainable
    assert len(layer.non_trainable_weights) == expected_non_trainable

    clone(input_data)
    clone.set_weights(layer.get_weights())
    for a, b in zip(outputs, _as_tuple(clone(input_data))):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=1e-6)

    inputs = keras.Input(batch_shape=(None,) + tuple(input_shape[1:]))
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


def gradients(fn, *args):
    """`fn(*args)` (a scalar) and its gradients for every argument, NumPy.

    Each backend's own differentiation: `jax.grad`, `torch.autograd`,
    `tf.GradientTape`.
    """
    backend = keras.backend.backend()
    args = [np.asarray(a, "float32") for a in args]
    if backend == "jax":
        import jax

        # One compiled function: faster than op-by-op dispatch here.
        value, grads = jax.jit(jax.value_and_grad(
            lambda *a: fn(*a), argnums=tuple(range(len(args)))))(*args)
    elif backend == "torch":
        import torch

        tensors = [torch.tensor(a, requires_grad=True) for a in args]
        value = fn(*tensors)
        grads = torch.autograd.grad(value, tensors, materialize_grads=True)
        value = value.detach()
    else:
        import tensorflow as tf

        tensors = [tf.constant(a) for a in args]
        with tf.GradientTape() as tape:
            for t in tensors:
                tape.watch(t)
            value = fn(*tensors)
        grads = tape.gradient(value, tensors)
    return to_numpy(value), [to_numpy(g) for g in grads]
