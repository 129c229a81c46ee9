"""Stop signals (Ctrl-C, SIGTERM) that reach a fit on every backend.

What kept a fit from stopping:

- A background job of a non-interactive shell (`python train.py &` in a
  script) starts with SIGINT ignored, and Python keeps an ignored SIGINT
  ignored: `install()` sets the handlers explicitly.
- Keras converts every batch's logs in `pythonify_logs` inside a bare
  `except: pass`. On JAX that conversion is where the main thread waits for
  the device, so most SIGINTs raise `KeyboardInterrupt` right there and
  Keras swallows it. The handler therefore also records the signal, and
  `StopOnSignal` raises it again at the next batch or epoch boundary.
- A signal that lands inside a garbage-collector callback (JAX has one,
  also when imported beside another backend) would print a traceback and
  be dropped there: it is only recorded, and raised at the next boundary.
- One raised inside any other callback Python cannot raise from (a weakref
  callback, a `__del__`) reaches `sys.unraisablehook`, which would print
  "Exception ignored ... KeyboardInterrupt" and drop it: the hook
  `install()` sets records it instead, raised at the next boundary too.

The record is per process, like the signal handlers themselves.
"""

import gc
import signal
import sys

import keras

_RECEIVED = []


class Terminated(BaseException):
    """SIGTERM, raised like `KeyboardInterrupt` so that cleanups run."""


def _exception(signum):
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


def _handler(signum, frame):
    _RECEIVED.append(signum)
    if _in_gc_callback(frame):
        # Python prints an exception raised in a garbage-collector callback
        # (JAX registers one) as a traceback and drops it: only recorded,
        # `StopOnSignal` raises it at the next batch.
        return
    raise _exception(signum)


_STOPS = {KeyboardInterrupt: signal.SIGINT, Terminated: signal.SIGTERM}


def _unraisable(unraisable, previous=None):
    """`sys.unraisablehook`: a stop signal is recorded, not printed."""
    signum = _STOPS.get(unraisable.exc_type)
    if signum is None:
        (previous or sys.__unraisablehook__)(unraisable)
        return
    if not _RECEIVED or _RECEIVED[-1] != signum:
        _RECEIVED.append(signum)


def unraisable_hook(previous=None):
    """A `sys.unraisablehook` that records stop signals and passes the
    rest to `previous` (default: Python's own)."""
    def hook(unraisable):
        _unraisable(unraisable, previous)

    hook.records_stop_signals = True
    return hook


def _in_gc_callback(frame):
    """Whether `frame` runs inside a callback of `gc.callbacks`."""
    codes = {getattr(callback, "__code__", None)
             for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


def install():
    """Make SIGINT raise `KeyboardInterrupt` and SIGTERM `Terminated`."""
    del _RECEIVED[:]
    if not getattr(sys.unraisablehook, "records_stop_signals", False):
        sys.unraisablehook = unraisable_hook(sys.unraisablehook)
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def received():
    """The last stop signal received since `install()`, or `None`."""
    return _RECEIVED[-1] if _RECEIVED else None


class StopOnSignal(keras.callbacks.Callback):
    """Re-raises a stop signal that code inside `fit` swallowed.

    Checked before every batch (training and validation) and at every epoch
    boundary, in the main thread.
    """

    def _check(self, *args, **kwargs):
        if _RECEIVED:
            raise _exception(_RECEIVED[-1])

    on_train_batch_begin = _check
    on_test_batch_begin = _check
    on_epoch_begin = _check
    on_epoch_end = _check
