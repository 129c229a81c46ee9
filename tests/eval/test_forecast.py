import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kzoo import data
from kzoo import eval as kzoo_eval
from kzoo import training

from datafiles import smooth_series
from datafiles import write_csv
from helpers import ROOT
from helpers import next_backend


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("runs")
    series = data.load("csv:" + write_csv(root / "y+w.csv", smooth_series(150)))
    runs = {}
    for name in ("lstm", "vqlnmlp"):
        plan = training.plan_run(name, {"time_steps": 12, "epochs": 1},
                                 series, out=str(root / "out"))
        runs[name] = training.execute(plan, series, verbose=0)["run_dir"]
    return root, series, runs


@pytest.mark.parametrize("name", ["lstm", "vqlnmlp"])
def test_lengths_and_alignment(run, name):
    _, series, runs = run
    config, model = kzoo_eval.load_run(runs[name])
    z = data.ZScore(**config["normalization"]).transform(series.values)
    ts, target = 12, config["target"]
    batch = kzoo_eval.one_step(model, z, ts, target)
    assert batch.shape == (len(z) - ts,)
    # Entry i forecasts z[ts + i] from the window z[i : i + ts].
    direct = model.predict(z[None, 40:40 + ts, None].astype("float32"),
                           verbose=0)
    direct = direct[0, -1, 0] if target == "aligned" else direct[0, 0]
    assert batch[40] == pytest.approx(direct, abs=1e-5)
    rolled = kzoo_eval.rollout(model, z, [ts, 60], 30, ts, target)
    assert rolled.shape == (2, 30)
    # The first regressive forecast is the one-step forecast of that window.
    assert rolled[0, 0] == pytest.approx(batch[0], abs=1e-5)
    assert rolled[1, 0] == pytest.approx(batch[60 - ts], abs=1e-5)
    # Batched starts roll out exactly as one start alone.
    alone = kzoo_eval.rollout(model, z, [60], 30, ts, target)
    np.testing.assert_allclose(rolled[1], alone[0], atol=1e-5)
    # Step two is fed the first forecast, not the truth.
    window = np.concatenate([z[ts + 1 - ts:ts], [rolled[0, 0]]])
    second = model.predict(window[None, :, None].astype("float32"), verbose=0)
    second = second[0, -1, 0] if target == "aligned" else second[0, 0]
    assert rolled[0, 1] == pytest.approx(second, abs=1e-5)


def test_rollout_needs_a_full_window(run):
    _, series, runs = run
    _, model = kzoo_eval.load_run(runs["lstm"])
    with pytest.raises(ValueError, match="time_steps"):
        kzoo_eval.rollout(model, np.zeros(50), [5], 3, 12, "last")


def test_errors_and_horizons():
    m = kzoo_eval.errors([1, 2, 3], [1, 2, 5])
    assert m["mse"] == pytest.approx(4 / 3) and m["mae"] == pytest.approx(2 / 3)
    assert m["nmse"] == pytest.approx((4 / 3) / np.var([1, 2, 5]))
    actual = np.arange(10.0)
    forecasts = np.array([[5.0, 6.0, 8.0], [9.0, 0.0, 0.0]])
    h = kzoo_eval.horizon_errors(forecasts, [5, 9], actual)
    np.testing.assert_array_equal(h["count"], [2, 1, 1])
    np.testing.assert_allclose(h["mse"], [0.0, 0.0, 1.0])


def test_evaluate_run_writes_plots_and_metrics(run):
    _, series, runs = run
    result = kzoo_eval.evaluate_run(runs["lstm"], predict_rate=0.25)
    d = runs["lstm"]
    for name in ("predict_batch_y_w.png", "predict_regressive_y_w.png",
                 "metrics_y_w.json", "regressive_horizon_y_w.csv"):
        assert os.path.getsize(os.path.join(d, name)) > 0
    saved = json.load(open(os.path.join(d, "metrics_y_w.json")))
    n = len(series.values)
    assert saved["regressive"]["start"] == round(n * 0.75)
    assert saved["regressive"]["n"] == n - round(n * 0.75)
    assert saved["batch"]["n"] == n - 12
    assert saved["units"] == "formaldehyde(ug/m³)"
    assert len(result["regressive_pred"]) == saved["regressive"]["n"]


def test_other_series_uses_its_own_statistics(run, tmp_path):
    root, series, runs = run
    other = write_csv(tmp_path / "w+y.csv", 3 * smooth_series(90, seed=5) + 40)
    result = kzoo_eval.evaluate_run(runs["vqlnmlp"], f"csv:{other}")
    assert result["dataset_name"] == "w_y" and result["own_statistics"]
    assert result["batch"]["n"] == 90 - 12


OTHER = [next_backend()]


@pytest.mark.slow
@pytest.mark.parametrize("other", OTHER)
def test_trained_on_one_backend_predicts_on_another(run, other):
    _, _, runs = run
    here = kzoo_eval.evaluate_run(runs["lstm"])
    env = dict(os.environ, KERAS_BACKEND=other, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "predict.py"),
         runs["lstm"], "--quiet"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    there = json.load(open(os.path.join(runs["lstm"], "metrics_y_w.json")))
    assert there["backend"] == other
    for kind in ("batch", "regressive"):
        assert there[kind]["mse"] == pytest.approx(here[kind]["mse"], rel=1e-4)
