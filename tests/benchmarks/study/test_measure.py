"""The vocabulary study: the variant mapping, a cell, the report, the recipe."""

import os

import pytest

from kzoo import data
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure


@pytest.mark.slow
def test_one_cell_in_process(tmp_path):
    cell = measure.measure_cell(
        {"family": "mixer", "variant": "product2", "vocab": 16,
         "seeds": [0], "out": str(tmp_path), "limit_s": 3600, "epochs": 1,
         "recall_lags": [8], "recall_epochs": 1, "horizon": 5},
        log=lambda *a: None)
    assert cell["model"] == "mhvqmixer" and cell["rows"] == 8
    assert cell["effective_vocab"] == 16 and cell["step_ms"] > 0
    (run,) = cell["runs"]
    for key in ("val_mse_next", "mse_regressive", "recall_k", "params",
                "s_per_epoch"):
        assert run[key] is not None, key
    assert "logistic_nmse" not in run and cell["key"]["logistic"] is None


@pytest.mark.slow
def test_a_per_token_cell_is_measured_on_the_logistic_map(tmp_path):
    config = {"family": "per-token", "variant": "flat", "vocab": 16,
              "seeds": [0], "out": str(tmp_path), "limit_s": None,
              "epochs": 1, "horizon": 5}
    cell = measure.measure_cell(config, log=lambda *a: None)
    (run,) = cell["runs"]
    assert "recall_k" not in run
    assert run["logistic_nmse"] > 0
    assert 0 <= run["logistic_horizon"] <= 40
    assert isinstance(run["logistic_horizon"], int)
    plan = cell["key"]["logistic"]
    assert plan["series"]["spec"] == "logistic:2500"
    assert plan["train"] == 2000 and len(plan["starts"]) == 20
    # The fit is a normal run directory of the forecast benchmark.
    assert os.listdir(tmp_path / "logistic")



@pytest.mark.parametrize("outcome,message", [
    ((1.0, 10_000), "one run would take ~"),
    (measure.StepTooSlow, "one training step took over 1 min")])
def test_cells_past_the_limit_are_skipped(tmp_path, monkeypatch, outcome,
                                          message):
    def step_seconds(*args, **kwargs):
        if outcome is measure.StepTooSlow:
            raise outcome
        return outcome

    monkeypatch.setattr(measure, "step_seconds", step_seconds)
    skipped = measure.measure_cell(
        {"family": "mixer", "variant": "flat", "vocab": 16, "seeds": [0],
         "out": str(tmp_path), "limit_s": 60}, log=lambda *a: None)
    assert skipped["skipped"].startswith(message)
    assert "runs" not in skipped and not os.listdir(tmp_path)



def test_deadline_interrupts_a_step_and_is_removed_after():
    import time

    with pytest.raises(measure.StepTooSlow):
        with measure.deadline(0.05):
            time.sleep(2)
    with measure.deadline(5):
        time.sleep(0.01)
    time.sleep(0.05)  # no stray alarm



def test_step_estimate_stops_at_a_step_past_the_limit(monkeypatch):
    import keras

    calls = []
    original = keras.Model.train_on_batch

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "train_on_batch", counted)
    name, settings, _, _ = design.cell_settings("mixer", "flat", 16)
    series = data.load("y_w")
    forever = {**settings, "epochs": 10**9}
    step, run_steps = measure.step_seconds(name, forever, series,
                                               limit_s=120)
    assert len(calls) == 2 and step > 0  # the warm-up and one timed step
    assert run_steps >= 10**9
    measure.step_seconds(name, settings, series, repeats=2,
                             limit_s=None)
    assert len(calls) == 2 + 3


def test_a_cache_cell_too_big_for_memory_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(design, "available_memory", lambda: 8 * 2**30)
    monkeypatch.setattr(measure, "step_seconds", lambda *a, **k: 1 / 0)
    config = {"family": "cache", "variant": "flat", "vocab": 2**17,
              "seeds": [0], "out": str(tmp_path), "limit_s": 60}
    skipped = measure.measure_cell(config, log=lambda *a: None)
    # 6 tensors x 2 layers x 32 x 256 x 2^17 float32 values: 48 GiB.
    assert skipped["skipped"] == ("its (batch, T, codes) tensors need ~48 "
                                  "GiB, over half of the 8 GiB available")
    assert skipped["key"]["limit_s"] == 60 and "runs" not in skipped
    assert not os.listdir(tmp_path)
