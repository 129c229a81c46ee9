"""The study's recall measure: plans per family, the NMSE at every lag."""

from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import recall_curve


def test_the_recall_plan_of_a_cell_and_of_the_lstm():
    cell = {"family": "cache", "variant": "flat", "vocab": 32, "seeds": [0]}
    key = measure.result_key(cell)
    assert key["model"] == "vqcache"
    assert key["recall"]["lags"] == [256] and key["recall"]["epochs"] == 2
    assert key["recall"]["series"][0]["spec"] == "recall:256"
    assert measure.result_key({**cell, "family": "per-token"})[
        "recall"] is None
    # The LSTM: every lag of its study's families, its own epochs.
    reference = {"reference": True, "seeds": [0],
                 "reference_for": ["per-token", "mixer", "cache"]}
    plan = measure.result_key(reference)["recall"]
    assert plan["lags"] == [8, 32, 128, 256]
    assert plan["epochs"] == design.REFERENCE_RECALL_EPOCHS
    assert plan["settings"] == {}
    only = measure.result_key({**reference, "reference_for": ["per-token"]})
    assert only["recall"] is None
    lags = measure.result_key({**reference, "recall_lags": [16]})["recall"]
    assert lags["lags"] == [16]


def test_recall_gives_the_nmse_at_every_lag(tmp_path, monkeypatch):
    seen = []

    def recall_run(name, lag, epochs, out, seed, settings, log):
        seen.append((name, lag, epochs, settings.get("lr")))
        return {"val_mse_next": {256: 0.08, 1024: 0.2}[lag]}

    monkeypatch.setattr(recall_curve.recall, "recall_run", recall_run)
    config = {"family": "cache", "variant": "flat", "vocab": 32,
              "seeds": [0], "out": str(tmp_path), "recall_lags": [256, 1024]}
    name, settings, _, _ = design.cell_settings("cache", "flat", 32)
    got = recall_curve.measure(name, settings, 0, config, print)
    assert got == {"recall_nmse_256": 0.08, "recall_nmse_1024": 0.2,
                   "recall_k": 256}
    # The family's recall settings reach its model, not the LSTM.
    assert seen == [("vqcache", 256, 2, 5e-3), ("vqcache", 1024, 2, 5e-3)]
    seen.clear()
    recall_curve.measure("lstm", {}, 0, {"reference": True, "seeds": [0],
                                    "out": str(tmp_path),
                                    "reference_for": ["cache"],
                                    "recall_lags": [256]}, print)
    assert seen == [("lstm", 256, design.REFERENCE_RECALL_EPOCHS, None)]
