"""An LSTM layer with fast paths on the PyTorch and JAX backends.

Keras's LSTM uses cuDNN on CUDA only; on a CPU its torch backend runs a
Python loop over time steps, ten times slower than PyTorch's own LSTM
kernel. This subclass calls that kernel (`torch._VF.lstm`, the function
behind `torch.nn.LSTM`, on any device) on torch, and on JAX a scan with a
hand-written backward pass (`kzoo.backend.jax_lstm`), whenever the
configuration allows it; it is `keras.layers.LSTM` everywhere else: same
weights, same numbers (tested equal to the `keras.ops` path), and a saved
model loads under every backend.
"""

import keras


@keras.saving.register_keras_serializable(package="kzoo")
class LSTM(keras.layers.LSTM):
    """`keras.layers.LSTM` with a fast path on the torch and JAX backends.

    Args:
        fused: use the fast path (PyTorch's fused kernel on torch,
            `kzoo.backend.jax_lstm` on JAX) when the layer has the standard
            activations, a bias, no dropout, no mask, no unrolling, runs
            forwards and computes in its variables' dtype. `False` always
            runs Keras's generic loop.
        **kwargs: every argument of `keras.layers.LSTM`.

    Input shape: `(B, T, F)`. Output shape: `(B, units)`, or
    `(B, T, units)` with `return_sequences=True`.

    Example:

    >>> layer = LSTM(8, return_sequences=True)
    >>> tuple(layer(keras.ops.ones((2, 5, 1))).shape)
    (2, 5, 8)
    """

    def __init__(self, units, fused=True, **kwargs):
        super().__init__(units, **kwargs)
        self.fused = bool(fused)

    def _fused_ok(self, mask, training):
        cell = self.cell
        return (
            self.fused
            and keras.backend.backend() in ("torch", "jax")
            and mask is None
            and not self.go_backwards
            and not self.unroll
            and cell.use_bias
            and cell.compute_dtype == cell.variable_dtype
            and not (training and (cell.dropout or cell.recurrent_dropout))
            and cell.activation is keras.activations.tanh
            and cell.recurrent_activation is keras.activations.sigmoid
        )

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if keras.tree.is_nested(mask):
            mask = mask[0]
        if not self._fused_ok(mask, training):
            return super().inner_loop(
                sequences, initial_state, mask=mask, training=training
            )
        if keras.backend.backend() == "jax":
            return self._jax_loop(sequences, initial_state)
        return self._torch_loop(sequences, initial_state, training)

    def _jax_loop(self, sequences, initial_state):
        from kzoo.backend import jax_lstm

        cell = self.cell
        outputs, h, c = jax_lstm.lstm(
            keras.ops.cast(sequences, cell.compute_dtype),
            initial_state[0], initial_state[1], cell.kernel.value,
            cell.recurrent_kernel.value, cell.bias.value,
        )
        if not self.return_sequences:
            outputs = h[:, None]
        return h, outputs, [h, c]

    def _torch_loop(self, sequences, initial_state, training):
        import torch

        cell = self.cell
        weights = [
            cell.kernel.value.T.contiguous(),
            cell.recurrent_kernel.value.T.contiguous(),
            cell.bias.value,
            torch.zeros_like(cell.bias.value),
        ]
        state_h = initial_state[0].unsqueeze(0)
        state_c = initial_state[1].unsqueeze(0)
        outputs, h_n, c_n = torch._VF.lstm(
            sequences.to(cell.kernel.value.dtype),
            (state_h, state_c),
            weights,
            True,  # has_biases
            1,  # num_layers
            0.0,  # dropout
            bool(training),
            False,  # bidirectional
            True,  # batch_first
        )
        last = outputs[:, -1]
        if not self.return_sequences:
            outputs = last.unsqueeze(1)
        return last, outputs, [h_n.squeeze(0), c_n.squeeze(0)]

    def get_config(self):
        config = super().get_config()
        config["fused"] = self.fused
        return config
