"""NumPy references the numerical tests compare kzoo against."""

import keras
import numpy as np


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


def np_causal_attention(q, k, v):
    """Causal softmax attention by its full-sequence definition: a
    `(T, T)` causal softmax per head.

    `q`, `k`: `(B, T, H, d)`, `v`: `(B, T, H, e)`.
    """
    length = q.shape[1]
    scores = np.einsum("bthd,bjhd->bhtj", q, k) / np.sqrt(q.shape[-1])
    causal = np.tril(np.ones((length, length), bool))
    probs = np_softmax(np.where(causal, scores, -np.inf))
    return np.einsum("bhtj,bjhe->bthe", probs, v)


def np_soft_read(x, table, scale):
    """x (..., d), table (V, d)."""
    p = np_softmax(x @ table.T * scale)
    return p @ table, p.argmax(-1)


def np_hard_read(x, table):
    d2 = ((x[..., None, :] - table) ** 2).sum(-1)
    codes = d2.argmin(-1)
    return table[codes], codes


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

