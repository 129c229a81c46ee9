"""Where a kzoo run spends its time beyond the plain training loop.

`FitProfile.wrap` is given to `kzoo.training.execute(instrument=...)`: it
puts a clock before the run's callbacks and wraps each of them, so that one
reference run reports, in seconds:

- `setup_s`: from just before `fit` to its first callback (Keras's data
  adapter and iterator, and the train function's construction);
- `compile_s`: the first epoch's excess over the median of the others, of
  its training part and of its validation pass apart (JAX compilation,
  TensorFlow tracing, PyTorch's first allocations);
- `steps_s`: the epochs' training steps (the epochs less their validation
  passes and callback time, less the training part's excess);
- `validation_s`: the validation passes (`on_test_begin` to `on_test_end`),
  less their excess;
- `callbacks`: each callback's own time, by class name (the best weights'
  saves, the backups, `CSVLogger`, TensorBoard, the stop-signal check, the
  progress record);
- `after_fit_s`: the rest of the run's clock after `fit` (the forecast
  pass that gives `val_mse_next`);
- `wall_s`: the run's clock (`metrics.json`), what the benchmark compares
  with the plain loop.

>>> profile = FitProfile()
>>> wrapped = profile.wrap([keras.callbacks.TerminateOnNaN()])
>>> [type(c).__name__ for c in wrapped]
['_Clock', '_Timed']
"""

import statistics
import time

import keras

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
          "on_test_end", "on_test_batch_begin", "on_test_batch_end")


class _Timed(keras.callbacks.Callback):
    """One callback, its hooks timed into `seconds[name]`.

    Only the hooks the callback defines are forwarded, so Keras dispatches
    the batch hooks exactly as it would without the wrapper (a callback
    without `on_train_batch_end` keeps Keras's asynchronous batch ends).
    """

    def __init__(self, inner, seconds, edges):
        super().__init__()
        self.inner = inner
        self.async_safe = getattr(inner, "async_safe", False)
        name = type(inner).__name__
        seconds.setdefault(name, 0.0)
        for hook in _HOOKS:
            method = getattr(inner, hook)
            if getattr(method, "_is_default", False):  # Keras's own test
                continue

            edge = hook in ("on_train_begin", "on_train_end")

            def timed(*args, _method=method, _edge=edge, **kwargs):
                start = time.perf_counter()
                try:
                    return _method(*args, **kwargs)
                finally:
                    spent = time.perf_counter() - start
                    seconds[name] += spent
                    if _edge:  # outside the epochs
                        edges.append(spent)

            setattr(self, hook, timed)

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)


class _Clock(keras.callbacks.Callback):
    """The first callback: epoch and validation boundaries."""

    def __init__(self, profile):
        super().__init__()
        self.profile = profile

    def on_train_begin(self, logs=None):
        self.profile._mark("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.profile._mark("epoch")

    def on_test_begin(self, logs=None):
        self._test = time.perf_counter()

    def on_test_end(self, logs=None):
        self.profile.validations.append(time.perf_counter() - self._test)

    def on_train_end(self, logs=None):
        self.profile._mark("train_end")


class FitProfile:
    """Clocks one `fit` of a run; `summary(wall_s)` reports it."""

    def __init__(self):
        self._reset()

    def _reset(self):
        self.marks = []
        self.callbacks = {}
        self.validations = []
        self._edges = []

    def _mark(self, what):
        self.marks.append((what, time.perf_counter()))

    def wrap(self, callbacks):
        """The run's callbacks, clocked: pass as `execute(instrument=)`."""
        self._reset()
        self._mark("wrap")
        return [_Clock(self)] + [_Timed(c, self.callbacks, self._edges)
                                 for c in callbacks]

    def summary(self, wall_s):
        """The profile in seconds (module docstring), given the run's clock.

        Call it after the run. `epochs` is the number of epochs clocked.
        """
        times = dict(self.marks)  # the last of each kind
        epochs = [t for what, t in self.marks if what == "epoch"]
        if not epochs or "train_end" not in times:
            return {"wall_s": wall_s, "epochs": 0}
        ends = epochs[1:] + [times["train_end"]]
        lengths = [end - begin for begin, end in zip(epochs, ends)]
        # Validation passes, one per epoch where every epoch validates.
        passes = (self.validations if len(self.validations) == len(lengths)
                  else [sum(self.validations) / len(lengths)] * len(lengths))
        training = [total - v for total, v in zip(lengths, passes)]
        # The first epoch's excess, of its training part and of its
        # validation pass apart (each compiles its own function on JAX).
        compile_s = _excess(training) + _excess(passes)
        median = statistics.median(lengths[1:] or lengths)
        fit_s = times["train_end"] - times["wrap"]
        callbacks = {name: round(s, 4) for name, s in self.callbacks.items()}
        in_epochs = sum(self.callbacks.values()) - sum(self._edges)
        steps = sum(training) - in_epochs - _excess(training)
        validation_s = sum(passes) - _excess(passes)
        return {
            "wall_s": wall_s,
            "epochs": len(lengths),
            "setup_s": round(times["train_begin"] - times["wrap"], 4),
            "compile_s": round(compile_s, 4),
            "median_epoch_s": round(median, 4),
            "steps_s": round(max(0.0, steps), 4),
            "validation_s": round(validation_s, 4),
            "callbacks": callbacks,
            "fit_s": round(fit_s, 4),
            "after_fit_s": round(max(0.0, wall_s - fit_s), 4),
        }


def _excess(values):
    """How much the first of `values` exceeds the median of the others."""
    if len(values) < 2:
        return 0.0
    return max(0.0, values[0] - statistics.median(values[1:]))
