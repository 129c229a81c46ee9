"""The vocabulary study: the method mapping, a cell, the report, the recipe."""

import os

import pandas as pd
import pytest

from kzoo import data
from kzoo.benchmarks import study
from kzoo.benchmarks import study_cells
from kzoo.benchmarks import study_report

from helpers import ONCE
from helpers import load_recipe


@pytest.mark.parametrize(
    "method, vocab, kind, settings, effective, rows",
    [
        ("flat", 2**10, "flat", {"vocab_size": 1024}, 1024, 1024),
        ("flat", 2**20, "flat", {"vocab_size": 2**20}, 2**20, 2**20),
        ("product2", 2**20, "product", {"vocab_size": 1024, "n_head": 2},
         2**20, 2048),
        ("product4", 2**20, "product", {"vocab_size": 32, "n_head": 4},
         2**20, 128),
        ("product4", 2**5, "product", {"vocab_size": 2, "n_head": 4}, 16, 8),
        ("inc", 2**10, "hierarchy", {"sizes": (64, 256, 1024),
                                     "order": "inc"}, 1024, 1344),
        ("dec", 2**10, "hierarchy", {"sizes": (1024, 256, 64),
                                     "order": "dec"}, 1024, 1344),
        ("product_inc", 2**20, "product_hierarchy",
         {"sizes": (256, 512, 1024), "order": "inc", "n_head": 2}, 2**20,
         3584),
    ],
)
def test_method_settings(method, vocab, kind, settings, effective, rows):
    assert study.method_settings(method, vocab) == (kind, settings,
                                                    effective, rows)


def test_cell_settings_fix_the_family_and_check_the_cell():
    name, settings, _, _ = study.cell_settings("per-token", "product2", 64)
    assert name == "mhvqlnpemlp"
    assert settings["pe"] == "randn" and settings["d_model"] == 32
    assert settings["patience"] == study.STUDY_TRAINING["patience"]
    # Large tables are read in chunks, in every method and family.
    assert settings["read_chunk"] == "auto"
    name, settings, _, _ = study.cell_settings("mixer", "inc", 64)
    assert name == "cachevqmixer" and "pe" not in settings
    with pytest.raises(ValueError, match="too small for a three-level"):
        study.cell_settings("mixer", "inc", 4)
    with pytest.raises(ValueError, match="unknown method"):
        study.method_settings("octree", 64)


def _cells():
    def runs(base):
        return [{"seed": s, "val_mse_next": base * (1 + s / 10),
                 "mse_regressive": 100 * base, "recall_k": 8 * (s + 1),
                 "params": 10, "s_per_epoch": 0.1} for s in range(2)]
    cells = []
    for method in ("flat", "product2"):
        for vocab in (32, 1024):
            cells.append({"family": "mixer", "method": method,
                          "vocab": vocab, "effective_vocab": vocab,
                          "rows": vocab, "step_ms": 1.5,
                          "runs": runs(0.01 * (2 if method == "flat" else 1))})
    cells.append({"family": "mixer", "method": "flat", "vocab": 2**20,
                  "effective_vocab": 2**20, "rows": 2**20,
                  "skipped": "one run would take ~40 min (> 10)"})
    return cells


def test_tables_methods_by_vocabulary_with_the_lstm_line():
    reference = {"runs": [{"val_mse_next": 0.015, "mse_regressive": 2.0,
                           "recall_k": 32}]}
    lines = study_report.table(_cells(), "mixer", "val_mse_next",
                               reference).splitlines()
    assert lines[0] == "| method \\ effective vocabulary | 2^5 | 2^10 | 2^20 |"
    assert lines[2] == ("| 1: flat | 0.021 ± 0.001 | 0.021 ± 0.001 | "
                        "skipped: one run would take ~40 min (> 10) |")
    assert lines[3].startswith("| 2: product, 2 heads | 0.0105 ± 0.0005 |")
    assert lines[-1] == ("| LSTM (reference settings) | 0.015 | 0.015 | "
                         "0.015 |")
    recall = study_report.table(_cells(), "mixer", "recall_k", reference)
    assert "| 1: flat | 12 ± 4 | 12 ± 4 | - |" in recall
    text = study_report.study_markdown(_cells(), reference,
                                       ["per-token", "mixer"])
    assert "the per-token models see one time step" in text


def test_plots(tmp_path):
    reference = {"runs": [{"val_mse_next": 0.015, "mse_regressive": 2.0,
                           "recall_k": 32}]}
    for path in study_report.plots(str(tmp_path / "s"), _cells(), reference,
                                   ["mixer"]):
        assert os.path.getsize(path) > 0


@pytest.mark.slow
def test_one_cell_in_process(tmp_path):
    cell = study_cells.measure_cell(
        {"family": "mixer", "method": "product2", "vocab": 16,
         "seeds": [0], "out": str(tmp_path), "limit_s": 3600, "epochs": 1,
         "recall_lags": [8], "recall_epochs": 1, "horizon": 5},
        log=lambda *a: None)
    assert cell["model"] == "mhvqmixer" and cell["rows"] == 8
    assert cell["effective_vocab"] == 16 and cell["step_ms"] > 0
    (run,) = cell["runs"]
    for key in ("val_mse_next", "mse_regressive", "recall_k", "params",
                "s_per_epoch"):
        assert run[key] is not None, key


@pytest.mark.parametrize("outcome,message", [
    ((1.0, 10_000), "one run would take ~"),
    (study_cells.StepTooSlow, "one training step took over 1 min")])
def test_cells_past_the_limit_are_skipped(tmp_path, monkeypatch, outcome,
                                          message):
    def step_seconds(*args, **kwargs):
        if outcome is study_cells.StepTooSlow:
            raise outcome
        return outcome

    monkeypatch.setattr(study_cells, "step_seconds", step_seconds)
    skipped = study_cells.measure_cell(
        {"family": "mixer", "method": "flat", "vocab": 16, "seeds": [0],
         "out": str(tmp_path), "limit_s": 60}, log=lambda *a: None)
    assert skipped["skipped"].startswith(message)
    assert "runs" not in skipped and not os.listdir(tmp_path)


def test_deadline_interrupts_a_step_and_is_removed_after():
    import time

    with pytest.raises(study_cells.StepTooSlow):
        with study_cells.deadline(0.05):
            time.sleep(2)
    with study_cells.deadline(5):
        time.sleep(0.01)
    time.sleep(0.05)  # no stray alarm


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
    for method in study.METHODS:
        assert f"| {study.METHOD_LABELS[method]} |" in text
    frame = pd.read_csv(out / "study.csv")
    assert len(frame) == 2 * len(study.METHODS) * 2 + 1
    for name in ("study_quality.png", "study_cost.png"):
        assert os.path.getsize(out / name) > 0
    capsys.readouterr()
    assert recipe.cli(["--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count(": done before") == 2 * len(study.METHODS) * 2 + 1


def test_step_estimate_stops_at_a_step_past_the_limit(monkeypatch):
    import keras

    calls = []
    original = keras.Model.train_on_batch

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "train_on_batch", counted)
    name, settings, _, _ = study.cell_settings("mixer", "flat", 16)
    series = data.load("y_w")
    forever = {**settings, "epochs": 10**9}
    step, run_steps = study_cells.step_seconds(name, forever, series,
                                               limit_s=120)
    assert len(calls) == 2 and step > 0  # the warm-up and one timed step
    assert run_steps >= 10**9
    study_cells.step_seconds(name, settings, series, repeats=2,
                             limit_s=None)
    assert len(calls) == 2 + 3


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
