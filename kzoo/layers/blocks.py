"""The per-time-step block the reference codebook models are made of."""

import keras

from kzoo.errors import UsageError
from kzoo.layers.checks import check_heads_divide
from kzoo.layers.checks import check_int
from kzoo.layers.positional import RotaryPositionalEncoding


@keras.saving.register_keras_serializable(package="kzoo")
class CodebookBlock(keras.layers.Layer):
    """Dense encoder, positional encoding, LayerNorm, codebook memory, decoder.

    Applied to every time step: `(B, T, F)` inputs become `(B, T, d_model)`
    through the encoder, an additive positional encoding is added, a
    LayerNorm (PyTorch epsilon 1e-5) normalises, a rotary encoding (if that
    is the `positional_encoding`) rotates the queries, the codebook memory
    is read, and the decoder maps back to `output_dim`. With `vqmlp`'s settings
    (no norm, no encoding) this is exactly the reference model.

    With `mixers` (e.g. `CausalTokenMixing` layers) the tokens exchange
    information across time before the read, so the queries carry context;
    with `residual`, the read's input is added to its output.

    Args:
        d_model: width of the codebook read.
        memory: the codebook layer read by every token (`Codebook`,
            `ProductCodebook` or `CacheHierarchy`), as a layer instance;
            its `n_head`, if any, must divide `d_model`.
        positional_encoding: `None` or a positional-encoding layer
            instance; an additive one is applied before the LayerNorm, a
            `RotaryPositionalEncoding` to the queries after it.
        layer_norm: whether to normalise before the read.
        output_dim: features predicted per time step.
        layer_norm_epsilon: epsilon of the LayerNorm.
        kernel_initializer: of both Dense layers (Xavier-uniform, as the
            reference).
        mixers: layers `(B, T, d_model) -> (B, T, d_model)` applied in order
            after the positional encoding (time mixing).
        residual: add the codebook's input to its output.

    Input shape:
        `(B, T, F)`.

    Output shape:
        `(B, T, output_dim)`.

    Example (the reference `vqlnpemlp`):

    >>> block = CodebookBlock(32, Codebook(512), RandnPositionalEncoding(96))
    >>> tuple(block(keras.ops.ones((2, 96, 1))).shape)
    (2, 96, 1)
    >>> tuple(block.memory.codebook.shape)
    (512, 32)
    """

    def __init__(
        self,
        d_model,
        memory,
        positional_encoding=None,
        layer_norm=True,
        output_dim=1,
        layer_norm_epsilon=1e-5,
        kernel_initializer="glorot_uniform",
        mixers=(),
        residual=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        mixers = [
            keras.saving.deserialize_keras_object(m) if isinstance(m, dict)
            else m
            for m in (mixers or ())
        ]
        for mixer in mixers:
            if not isinstance(mixer, keras.layers.Layer):
                raise UsageError(
                    f"`mixers` must be layers. Received: {mixer!r}")
        self.mixers = mixers
        self.residual = bool(residual)
        check_int("d_model", d_model)
        check_int("output_dim", output_dim)
        if isinstance(memory, dict):
            memory = keras.saving.deserialize_keras_object(memory)
        if not isinstance(memory, keras.layers.Layer):
            raise UsageError(
                f"`memory` must be a codebook layer. Received: {memory!r}"
            )
        check_heads_divide(getattr(memory, "n_head", 1), d_model)
        if isinstance(positional_encoding, dict):
            positional_encoding = keras.saving.deserialize_keras_object(
                positional_encoding
            )
        if positional_encoding is not None and not isinstance(
            positional_encoding, keras.layers.Layer
        ):
            raise UsageError(
                "`positional_encoding` must be None or a layer. "
                f"Received: {positional_encoding!r}"
            )
        self.d_model = d_model
        self.memory = memory
        self.positional_encoding = positional_encoding
        self.layer_norm = bool(layer_norm)
        self.output_dim = output_dim
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.encoder = keras.layers.Dense(
            d_model,
            kernel_initializer=self.kernel_initializer,
            name="encoder",
        )
        self.norm = (
            keras.layers.LayerNormalization(
                epsilon=layer_norm_epsilon, name="norm"
            )
            if layer_norm
            else None
        )
        self.decoder = keras.layers.Dense(
            output_dim,
            kernel_initializer=keras.initializers.get(kernel_initializer),
            name="decoder",
        )
        self._rotary = isinstance(positional_encoding, RotaryPositionalEncoding)

    def build(self, input_shape):
        hidden = tuple(input_shape[:-1]) + (self.d_model,)
        sublayers = [
            (self.encoder, input_shape),
            (self.positional_encoding, hidden),
            *((mixer, hidden) for mixer in self.mixers),
            (self.norm, hidden),
            (self.memory, hidden),
            (self.decoder, hidden),
        ]
        for layer, shape in sublayers:
            # A deserialised sublayer arrives already built.
            if layer is not None and not layer.built:
                layer.build(shape)

    def call(self, inputs, training=False):
        hidden = self.encoder(inputs)
        if self.positional_encoding is not None and not self._rotary:
            hidden = self.positional_encoding(hidden)
        for mixer in self.mixers:
            hidden = mixer(hidden)
        if self.norm is not None:
            hidden = self.norm(hidden)
        if self._rotary:
            hidden = self.positional_encoding(hidden)
        read = self.memory(hidden, training=training)
        return self.decoder(read + hidden if self.residual else read)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "d_model": self.d_model,
                "memory": keras.saving.serialize_keras_object(self.memory),
                "positional_encoding": (
                    None
                    if self.positional_encoding is None
                    else keras.saving.serialize_keras_object(
                        self.positional_encoding
                    )
                ),
                "layer_norm": self.layer_norm,
                "output_dim": self.output_dim,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "mixers": [
                    keras.saving.serialize_keras_object(m) for m in self.mixers
                ],
                "residual": self.residual,
            }
        )
        return config
