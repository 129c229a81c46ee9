"""The vocabulary study: the method mapping, a cell, the report, the recipe."""
import os

import pandas as pd
import pytest

from kzoo.benchmarks.study import design

from helpers import ONCE
from helpers import load_recipe


@ONCE
@pytest.mark.slow
def test_quick_study_writes_tables_plots_and_resumes(tmp_path, capsys):
    recipe = load_recipe("study")
    out = tmp_path / "s"
    assert recipe.cli(["--quick", "--out", str(out)]) == 0
    text = (out / "study.md").read_text()
    for family in ("per-token", "mixer"):
        assert f"## {family} family" in text
    assert text.count("| LSTM (reference settings) |") >= 4
    assert "| method \\ effective vocabulary | 2^5 | 2^6 |" in text
    for method in design.METHODS:
        assert f"| {design.METHOD_LABELS[method]} |" in text
    frame = pd.read_csv(out / "study.csv")
    assert len(frame) == 2 * len(design.METHODS) * 2 + 1
    for name in ("study_quality.png", "study_cost.png"):
        assert os.path.getsize(out / name) > 0
    capsys.readouterr()
    assert recipe.cli(["--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count(": done before") == 2 * len(design.METHODS) * 2 + 1



def test_report_only_tabulates_finished_cells_and_measures_nothing(tmp_path):
    import json

    cells = tmp_path / "cells"
    cells.mkdir()
    finished = {"family": "mixer", "method": "flat", "vocab": 32,
                "model": "vqmixer", "effective_vocab": 32, "rows": 32,
                "step_ms": 30.0, "peak_rss_mb": 900.0,
                "runs": [{"seed": 0, "val_mse_next": 0.0161,
                          "mse_regressive": 1100.0, "recall_k": 8,
                          "params": 51393, "s_per_epoch": 0.5}]}
    (cells / "mixer_flat_32.json").write_text(json.dumps(finished))
    recipe = load_recipe("study")
    assert recipe.cli(["--report-only", "--out", str(tmp_path), "--family",
                       "mixer", "--method", "flat,product2", "--vocab",
                       "32", "--seeds", "1", "--quiet"]) == 0
    text = (tmp_path / "study.md").read_text()
    assert "| 1: flat | 0.0161 |" in text
    assert "| 2: product, 2 heads | skipped: not measured yet |" in text
    assert "LSTM" not in text  # the reference was not measured either
    assert sorted(os.listdir(cells)) == ["mixer_flat_32.json"]
    frame = pd.read_csv(tmp_path / "study.csv")
    assert list(frame["skipped"].fillna("")) == ["", "not measured yet"]



def test_a_cell_measured_otherwise_is_refused(tmp_path, capsys):
    import json

    cells = tmp_path / "cells"
    cells.mkdir()
    finished = {"family": "mixer", "method": "flat", "vocab": 32,
                "effective_vocab": 32, "rows": 32,
                "settings": {"epochs": 50},
                "runs": [{"seed": 0, "val_mse_next": 0.0161}]}
    (cells / "mixer_flat_32.json").write_text(json.dumps(finished))
    recipe = load_recipe("study")
    common = ["--report-only", "--out", str(tmp_path), "--family", "mixer",
              "--method", "flat", "--vocab", "32", "--quiet"]
    assert recipe.cli(common + ["--seeds", "1", "--epochs", "50"]) == 0
    for other in (["--seeds", "3", "--epochs", "50"], ["--seeds", "1"]):
        assert recipe.cli(common + other) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "mixer_flat_32.json was measured with " \
            "seeds [0] and 50 epochs" in err[0]
