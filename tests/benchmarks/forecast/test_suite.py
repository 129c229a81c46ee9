"""The forecast benchmarks: tables, plots, and the quick recipe."""
import os

import pandas as pd
import pytest

from kzoo.benchmarks.forecast import suite

from helpers import ONCE
from helpers import load_recipe


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
    variants = dict(suite.ABLATION)
    monkeypatch.setattr(suite, "ABLATION", (
        ("reference training", variants["reference training"]),
        ("benchmark + change", variants["benchmark + change"])))
    text = suite.run_ablation("vqlnmlp", ["laser", "reference"], 1,
                                       str(tmp_path), quick=True,
                                       log=lambda *a: None)
    assert "| vqlnmlp: reference training | 1 |" in text
    assert "| vqlnmlp: benchmark + change | 1 |" in text
    assert "## reference" not in text
    assert os.path.getsize(tmp_path / "ablation_laser.png") > 0
