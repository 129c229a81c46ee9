"""The stop-signal handler: raised where it can be, recorded where not."""

import gc
import signal
import sys

import pytest

from kzoo.training import interrupts


@pytest.fixture(autouse=True)
def clean_record():
    interrupts._RECEIVED.clear()
    yield
    interrupts._RECEIVED.clear()


def test_a_signal_raises_and_is_recorded():
    with pytest.raises(KeyboardInterrupt):
        interrupts._handler(signal.SIGINT, sys._getframe())
    with pytest.raises(interrupts.Terminated):
        interrupts._handler(signal.SIGTERM, sys._getframe())
    assert interrupts.received() == signal.SIGTERM


def test_a_signal_inside_a_gc_callback_is_recorded_then_raised_at_a_batch():
    outcomes = []

    def callback(phase, info):
        if phase == "start" and not outcomes:
            try:
                outcomes.append(interrupts._handler(signal.SIGINT,
                                                    sys._getframe()))
            except BaseException as error:  # printed and dropped by Python
                outcomes.append(error)

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert outcomes == [None]  # not raised inside the collector
    assert interrupts.received() == signal.SIGINT
    with pytest.raises(KeyboardInterrupt):
        interrupts.StopOnSignal().on_train_batch_begin(0)


def test_a_signal_inside_a_weakref_callback_is_recorded_not_printed(
        monkeypatch, capsys):
    # Python prints an exception raised in a weakref callback ("Exception
    # ignored ... KeyboardInterrupt") and drops it (issue 27 #15): the hook
    # that `install()` sets records it, and passes anything else on.
    import weakref

    passed = []
    monkeypatch.setattr(sys, "unraisablehook",
                        interrupts.unraisable_hook(passed.append))

    class Thing:
        pass

    def callback(reference):
        interrupts._handler(signal.SIGINT, sys._getframe())

    thing = Thing()
    reference = weakref.ref(thing, callback)  # noqa: F841
    del thing  # the callback runs here, its KeyboardInterrupt unraisable
    assert interrupts.received() == signal.SIGINT
    assert "KeyboardInterrupt" not in capsys.readouterr().err
    assert passed == []
    with pytest.raises(KeyboardInterrupt):
        interrupts.StopOnSignal().on_epoch_end(0)

    def broken(reference):
        raise RuntimeError("a bug")

    other = Thing()
    reference = weakref.ref(other, broken)  # noqa: F841
    del other
    assert [u.exc_type for u in passed] == [RuntimeError]
