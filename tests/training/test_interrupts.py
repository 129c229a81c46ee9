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
