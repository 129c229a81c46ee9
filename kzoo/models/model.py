"""`kzoo.models.Model`: a functional model that reports codebook statistics."""

import keras


@keras.saving.register_keras_serializable(package="kzoo")
class Model(keras.Model):
    """A Keras functional model that logs its codebooks' statistics.

    Build it like `keras.Model(inputs, outputs)`. Every codebook layer
    inside (anything with a `stat_variables()` method) writes its batch
    perplexity and fraction of rows in use into non-trainable weights;
    `compute_loss` feeds them to `Mean` trackers named
    `<layer>_perplexity` and `<layer>_usage`, so they appear in `fit()` and
    `evaluate()` logs on every backend. (A metric updated inside a layer's
    `call` would crash `fit` on JAX, keras#21639.)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stat_sources = []
        self._stat_trackers = []
        for layer in self._flatten_layers(include_self=False):
            stats = getattr(layer, "stat_variables", None)
            if stats is None:
                continue
            for stat, variable in stats().items():
                tracker = keras.metrics.Mean(name=f"{layer.name}_{stat}")
                self._stat_sources.append(variable)
                self._stat_trackers.append(tracker)

    def compute_loss(self, *args, **kwargs):
        loss = super().compute_loss(*args, **kwargs)
        for variable, tracker in zip(self._stat_sources, self._stat_trackers):
            tracker.update_state(variable.value)
        return loss
