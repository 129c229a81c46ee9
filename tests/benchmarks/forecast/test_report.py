"""The forecast benchmarks: tables, plots, and the quick recipe."""
import math
import os

import numpy as np

from kzoo.benchmarks.forecast import report


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
    table = report.protocol_table("laser", _rows()).splitlines()
    assert table[0] == ("| model | seeds | params | NMSE 1001-1100 fed back "
                        "| NMSE 1001-1100 one-step | wall s (mean) |")
    assert table[2] == "| vqmixer | 2 | 10 | 0.3 ± 0.1 | 0.02 ± 0.01 | 4.0 |"
    assert table[3] == "| ar (peer) | 1 | - | 0.8 | 0.3 | 0.1 |"
    assert table[4] == "| lstm | 1 | 7 | diverged | diverged | 1.0 |"



def test_step_error_plot_means_each_model_over_its_seeds(tmp_path,
                                                         monkeypatch):
    drawn = {}

    def semilogy(self, x, y, **kwargs):
        drawn[kwargs["label"]] = np.asarray(y)

    import matplotlib.axes

    monkeypatch.setattr(matplotlib.axes.Axes, "semilogy", semilogy)
    rows = [{"model": "a", "nrmse_by_step": [0.01, 0.1]},
            {"model": "a", "nrmse_by_step": [0.03, 0.3]},
            {"model": "b", "nrmse_by_step": [1.0, np.nan]},
            {"model": "c"}]
    path = report.step_error_plot(str(tmp_path / "s.png"), rows, "title")
    assert os.path.getsize(path) > 0
    np.testing.assert_allclose(drawn["a"], [0.02, 0.2])
    np.testing.assert_allclose(drawn["b"], [1.0, np.nan])
    assert set(drawn) == {"a", "b"}


def test_plot(tmp_path):
    path = report.protocol_plot(str(tmp_path / "p.png"), "laser",
                                _rows(), "title")
    assert os.path.getsize(path) > 0



def test_plotted_forecasts_keep_their_units_and_clip_a_divergence():
    truth = np.array([900.0, 1000.0, 1100.0])  # ug/m³: no clip at +-8
    np.testing.assert_allclose(
        report.shown([950.0, 1e9, -1e9, 5.0], truth),
        [950.0, 1300.0, 700.0])
    np.testing.assert_allclose(report.shown([0.5, 1e6]), [0.5, 8])
