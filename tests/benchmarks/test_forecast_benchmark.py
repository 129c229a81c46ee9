"""The forecast benchmarks: tables, plots, and the quick recipe."""

import math
import os

import numpy as np
import pandas as pd
import pytest

from kzoo.benchmarks import forecast
from kzoo.benchmarks import forecast_report
from kzoo.benchmarks import forecast_suite

from helpers import ONCE
from helpers import load_recipe


def _rows():
    return [
        {"model": "vqmixer", "seed": 0, "params": 10, "rollout_nmse": 0.2,
         "one_step_nmse": 0.01, "wall_s": 3.0},
        {"model": "vqmixer", "seed": 1, "params": 10, "rollout_nmse": 0.4,
         "one_step_nmse": 0.03, "wall_s": 5.0},
        {"model": "lstm", "seed": 0, "params": 7, "rollout_nmse": math.nan,
         "one_step_nmse": math.nan, "wall_s": 1.0},
        {"model": "ar (peer)", "seed": 0, "rollout_nmse": 0.8,
         "one_step_nmse": 0.3, "wall_s": 0.1,
         "forecast": np.zeros(100), "truth": np.ones(100)},
    ]


def test_table_means_over_seeds_best_first():
    table = forecast_report.protocol_table("laser", _rows()).splitlines()
    assert table[0] == ("| model | seeds | params | NMSE 1001-1100 fed back "
                        "| NMSE 1001-1100 one-step | wall s (mean) |")
    assert table[2] == "| vqmixer | 2 | 10 | 0.3 ± 0.1 | 0.02 ± 0.01 | 4.0 |"
    assert table[3] == "| ar (peer) | 1 | - | 0.8 | 0.3 | 0.1 |"
    assert table[4] == "| lstm | 1 | 7 | diverged | diverged | 1.0 |"


def test_plot(tmp_path):
    path = forecast_report.forecast_plot(str(tmp_path / "p.png"), "laser",
                                         _rows(), "title")
    assert os.path.getsize(path) > 0


def test_plotted_forecasts_keep_their_units_and_clip_a_divergence():
    truth = np.array([900.0, 1000.0, 1100.0])  # ug/m³: no clip at +-8
    np.testing.assert_allclose(
        forecast_report.shown([950.0, 1e9, -1e9, 5.0], truth),
        [950.0, 1300.0, 700.0])
    np.testing.assert_allclose(forecast_report.shown([0.5, 1e6]), [0.5, 8])


def test_mackey_glass_starts_lie_in_the_test_part():
    starts = forecast.mg_starts()
    assert len(starts) == 20 and starts[0] == forecast.MG_TRAIN
    assert starts[-1] + forecast.MG_HORIZON == (forecast.MG_TRAIN
                                                + forecast.MG_TEST)


@ONCE
@pytest.mark.slow
def test_quick_recipe_writes_tables_plots_and_reuses(tmp_path, capsys):
    recipe = load_recipe("forecast")
    out = tmp_path / "f"
    assert recipe.cli(["--quick", "--out", str(out)]) == 0
    text = (out / "forecast.md").read_text()
    for protocol in ("laser", "mackey_glass", "reference"):
        assert f"## {protocol}" in text
        assert os.path.getsize(out / f"{protocol}.png") > 0
    for peer in ("esn (peer)", "ar (peer)", "persistence (peer)"):
        assert f"| {peer} | 1 |" in text
    assert "| vqlnmlp | 1 | 41 |" in text
    frame = pd.read_csv(out / "forecast.csv")
    assert set(frame["protocol"]) == {"laser", "mackey_glass", "reference"}
    # Three peers and the model; on the reference series two peers (no ESN).
    assert len(frame) == 4 + 4 + 3
    reference = frame[frame.protocol == "reference"].set_index("model")
    assert reference.loc["persistence (peer)", "val_mse_next"] == (
        pytest.approx(0.02965, abs=5e-5))
    assert reference.loc["ar (peer)", "settings"] in ("ar(order=2)",
                                                      "ar(order=8)")
    # The laser run fitted points 0-999 only and says so.
    (laser_run,) = frame[(frame.protocol == "laser")
                         & (frame.model == "vqlnmlp")]["run_dir"]
    assert "laser_0-1000" in laser_run
    capsys.readouterr()
    assert recipe.cli(["--quick", "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("already finished in") == 3


@ONCE
@pytest.mark.slow
def test_quick_ablation(tmp_path, monkeypatch):
    variants = dict(forecast_suite.ABLATION)
    monkeypatch.setattr(forecast_suite, "ABLATION", (
        ("reference training", variants["reference training"]),
        ("benchmark + change", variants["benchmark + change"])))
    text = forecast_suite.run_ablation("vqlnmlp", ["laser", "reference"], 1,
                                       str(tmp_path), quick=True,
                                       log=lambda *a: None)
    assert "| vqlnmlp: reference training | 1 |" in text
    assert "| vqlnmlp: benchmark + change | 1 |" in text
    assert "## reference" not in text
    assert os.path.getsize(tmp_path / "ablation_laser.png") > 0
