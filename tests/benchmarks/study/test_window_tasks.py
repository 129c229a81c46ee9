"""The study's window tasks: plans per family, measures, peers."""
import math

import pytest

from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import window_tasks

BOTH = ["content", "taylor"]
SMALL = {"content": {"window": 32, "min_val": 64, "epochs": 1},
         "taylor": {"lookback": 48, "epochs": 1}}


def test_the_plan_of_a_cell_and_of_the_lstm():
    cache = {"family": "cache", "variant": "flat", "vocab": 32,
             "seeds": [0], "window_tasks": BOTH}
    plan = window_tasks.plan(cache)
    assert plan["content"] == {"task": {"window": 64, "a": 1.0},
                               "epochs": 2, "settings": {"lr": 5e-3}}
    assert plan["taylor"] == {"task": {"lookback": 672}, "epochs": 10,
                              "settings": {}}
    mixer = window_tasks.plan({**cache, "family": "mixer",
                               "window_tasks": ["content"]})
    assert list(mixer) == ["content"] and mixer["content"]["settings"] == {}
    assert window_tasks.plan({**cache, "family": "per-token"}) is None
    assert window_tasks.plan({**cache, "window_tasks": []}) is None
    small = window_tasks.plan({**cache, "window_task_overrides": SMALL})
    assert small["content"]["task"] == {"window": 32, "a": 1.0,
                                        "min_val": 64}
    assert small["taylor"]["epochs"] == 1
    # The LSTM: every task asked, its reference settings, if one of its
    # study's families reads a window.
    reference = {"reference": True, "seeds": [0], "window_tasks": BOTH,
                 "reference_for": ["per-token", "cache"]}
    assert window_tasks.plan(reference)["content"]["settings"] == {}
    assert window_tasks.plan({**reference,
                              "reference_for": ["per-token"]}) is None


def test_the_tasks_and_their_series_are_in_the_key():
    cell = {"family": "mixer", "variant": "flat", "vocab": 32, "seeds": [0]}
    assert "tasks" not in measure.result_key(cell)  # older keys stay equal
    key = measure.result_key({**cell, "window_tasks": BOTH})["tasks"]
    assert set(key) == {"content", "taylor"}
    assert len(key["content"]["data_sha1"]) == 16
    other = measure.result_key({**cell, "window_tasks": BOTH,
                                "window_task_overrides": SMALL})["tasks"]
    assert other["content"]["data_sha1"] != key["content"]["data_sha1"]
    assert other["taylor"]["data_sha1"] == key["taylor"]["data_sha1"]


def test_measure_runs_each_task_with_the_familys_settings(tmp_path,
                                                          monkeypatch):
    seen = []

    def content_run(name, settings, seed, out, task, log):
        seen.append(("content", name, task.window, settings.get("lr"),
                     settings["epochs"], out))
        return {"nmse": 0.5}

    def taylor_run(name, lookback, settings, seed, out, task, log):
        seen.append(("taylor", name, lookback, settings.get("lr"),
                     settings["epochs"], out))
        return {"nmse": 0.002}

    monkeypatch.setattr(window_tasks.recall, "content_run", content_run)
    monkeypatch.setattr(window_tasks.recall, "taylor_run", taylor_run)
    config = {"family": "cache", "variant": "flat", "vocab": 32,
              "seeds": [0], "out": str(tmp_path), "window_tasks": BOTH}
    name, settings, _, _ = design.cell_settings("cache", "flat", 32)
    got = window_tasks.measure(name, settings, 0, config, print)
    assert got == {"content_nmse": 0.5, "taylor_nmse": 0.002}
    assert seen == [
        ("content", "vqcache", 64, 5e-3, 2, str(tmp_path / "content")),
        ("taylor", "vqcache", 672, settings.get("lr"), 10,
         str(tmp_path / "taylor"))]
    seen.clear()
    window_tasks.measure("lstm", {"epochs": 3}, 0,
                         {"reference": True, "seeds": [0],
                          "out": str(tmp_path), "window_tasks": ["content"],
                          "reference_for": ["cache"]}, print)
    assert seen == [("content", "lstm", 64, None, 2,
                     str(tmp_path / "content"))]


def test_peers_are_the_ar_and_the_week_back():
    lines = window_tasks.peers(design.task_plan(None, BOTH, SMALL))
    assert set(lines) == {"content_nmse", "taylor_nmse"}
    # An AR reads positions, not content: far above the floor (0), where
    # the exact copies would let a read by content go.
    assert 0.1 < lines["content_nmse"]["least-squares AR"] < 2
    taylor = lines["taylor_nmse"]
    # The value a week back does not depend on the lookback
    # (docs/recall.md: 0.0140 at every T).
    assert taylor["seasonal naive (a week back)"] == pytest.approx(0.0140,
                                                                   abs=5e-4)
    assert math.isfinite(taylor["least-squares AR"])
    assert taylor["least-squares AR"] < taylor[
        "seasonal naive (a week back)"]
    assert window_tasks.peers(None) == {}
