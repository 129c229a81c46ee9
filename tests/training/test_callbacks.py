"""`kzoo.training.callbacks`: the TensorBoard writer of the JAX and torch
backends (the others are tested through `execute` in `test_runner.py`)."""

import json
import os
import subprocess
import sys

import keras

from helpers import ROOT

_WRITE = """
import json, sys
from kzoo.training.callbacks import EpochTensorBoard
board = EpochTensorBoard(sys.argv[1])
for epoch in range(3):
    board.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
board.on_train_end()
print(json.dumps("tensorflow" in sys.modules))
"""


def test_epoch_tensorboard_writes_events_without_importing_tensorflow(
        tmp_path):
    # The writer would import TensorFlow (installed in every matrix
    # environment) through its file layer: seconds per run on JAX and torch.
    backend = keras.backend.backend()
    env = dict(os.environ, PYTHONPATH=ROOT,
               KERAS_BACKEND="jax" if backend == "tensorflow" else backend)
    done = subprocess.run([sys.executable, "-c", _WRITE, str(tmp_path)],
                          env=env, capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) is False

    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )

    for which, tag, first in (("train", "epoch_loss", 1.0),
                              ("validation", "epoch_loss", 2.0)):
        events = EventAccumulator(str(tmp_path / which))
        events.Reload()
        values = events.Tensors(tag)
        assert [v.step for v in values] == [0, 1, 2]
        assert float(values[0].tensor_proto.float_val[0]) == first
