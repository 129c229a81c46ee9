"""Data-parallel training on two faked CPU devices equals a one-device fit."""

import json
import os
import subprocess
import sys

import keras
import pytest

from datafiles import smooth_series
from datafiles import write_csv
from helpers import ONCE
from helpers import ROOT

SCRIPT = """
import json, os, sys
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
sys.path.insert(0, {root!r})
import keras
if keras.backend.backend() == "tensorflow":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import pandas as pd
from kzoo import backend, data, training
series = data.load("csv:" + {csv!r})
curves = {{}}
# Data-parallel fits use Keras's own batching, a step per call; the
# single-device fit does too here, so both see the same batches.
fit_arguments, steps = backend.fit_arguments, backend.steps_per_execution
backend.fit_arguments = lambda *a, **k: fit_arguments(
    *a, **dict(k, data_parallel=True))
backend.steps_per_execution = lambda *a, **k: steps(
    *a, **dict(k, data_parallel=True))
for parallel in (False, True):
    plan = training.plan_run("vqlnmlp", {{"time_steps": 16, "epochs": 3}},
                             series, out=os.path.join({out!r}, str(parallel)))
    metrics = training.execute(plan, series, verbose=0, data_parallel=parallel)
    history = pd.read_csv(os.path.join(metrics["run_dir"], "history.csv"))
    config = json.load(open(os.path.join(metrics["run_dir"], "config.json")))
    curves[str(parallel)] = {{"loss": history["loss"].tolist(),
                             "val_loss": history["val_loss"].tolist(),
                             "devices": config.get("data_parallel_devices")}}
print("RESULT" + json.dumps(curves))
"""


@pytest.mark.slow
@pytest.mark.skipif(keras.backend.backend() == "torch",
                    reason="Keras 3 has no data parallelism on torch (see "
                    "test_torch_refuses_data_parallel)")
def test_two_devices_same_loss_curve(tmp_path):
    backend = keras.backend.backend()
    # 176 values, ts 16: 160 windows, 128 train and 32 validation, both
    # even, so no window is trimmed and both fits see the same data.
    csv = write_csv(tmp_path / "s.csv", smooth_series(176))
    script = SCRIPT.format(root=ROOT, csv=csv, out=str(tmp_path / "out"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND=backend)
    result = subprocess.run([sys.executable, "-c", script], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    line = [line for line in result.stdout.splitlines()
            if line.startswith("RESULT")][0]
    curves = json.loads(line[len("RESULT"):])
    assert curves["True"]["devices"] == 2 and curves["False"]["devices"] is None
    for key in ("loss", "val_loss"):
        single, parallel = curves["False"][key], curves["True"][key]
        assert len(single) == 3
        assert parallel == pytest.approx(single, rel=1e-5, abs=1e-6)


@ONCE
@pytest.mark.slow
def test_torch_refuses_data_parallel(tmp_path):
    csv = write_csv(tmp_path / "s.csv", smooth_series(100))
    env = dict(os.environ, KERAS_BACKEND="torch")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "train.py"),
         "--model", "vqlnmlp", "--dataset", f"csv:{csv}", "--data-parallel",
         "--out", str(tmp_path / "runs")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("error: data-parallel training is not available on the "
                    "torch backend in Keras 3; use one of: jax, tensorflow")
    assert not (tmp_path / "runs").exists()
