"""The forecast benchmarks: the suite, its checks, the peers' cache."""

import json
import math
import os
import resource
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

from kzoo.benchmarks.forecast import design
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
    for protocol in ("laser", "mackey_glass", "logistic", "reference"):
        assert f"## {protocol}" in text
        assert os.path.getsize(out / f"{protocol}.png") > 0
    assert os.path.getsize(out / "logistic_steps.png") > 0
    for peer in ("esn (peer)", "ar (peer)", "persistence (peer)"):
        assert f"| {peer} | 1 |" in text
    assert "| vqlnmlp | 1 | 41 |" in text
    frame = pd.read_csv(out / "forecast.csv")
    assert set(frame["protocol"]) == {"laser", "mackey_glass", "logistic",
                                      "reference"}
    # Three peers and the model; on the reference series two peers (no ESN).
    assert len(frame) == 4 + 4 + 4 + 3
    logistic = frame[frame.protocol == "logistic"].set_index("model")
    # Persistence cannot follow the map for even one step; the horizon is
    # a whole number of steps.
    assert logistic.loc["persistence (peer)", "horizon"] == 0
    assert logistic["horizon"].between(0, 40).all()
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
    assert capsys.readouterr().out.count("already finished in") == 4



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


# Each refused before anything trains or is written: (argv, message).
REFUSED = [
    (["--protocols", ","], "--protocols names nothing"),
    (["--protocols", "laser,laser"], "--protocols laser given more than once"),
    (["--quick", "--no-peers", "--model", "linear", "--model", "linear"],
     "--model linear given more than once"),
    (["--set", "epochz=1"], "unknown --set key(s) epochz"),
    (["--ablation", "linear", "--model", "lstm"],
     "--model does not go with --ablation"),
    (["--ablation", "linear", "--set", "revin=true"],
     "--set revin: the ablation varies it"),
    (["--ablation", "vqridge"], "vqridge has no ar_order, change, revin"),
    (["--ablation", "linear", "--protocols", "reference"],
     "the ablation runs on laser, mackey_glass and logistic only"),
    # laser would train first: the reference's refusal comes before it.
    (["--quick", "--no-peers", "--protocols", "laser,reference", "--model",
      "linear", "--set", "split=chrono"],
     "reference, linear: split=chrono: the reference protocol fixes"),
    (["--quick", "--protocols", "laser", "--model", "linear", "--set",
      "lr=-1"], "laser, linear: `lr` must be a number > 0"),
]


@pytest.mark.parametrize("argv, message", REFUSED)
def test_a_bad_command_is_refused_before_anything_runs(tmp_path, capsys,
                                                       argv, message):
    recipe = load_recipe("forecast")
    out = tmp_path / "f"
    assert recipe.cli(argv + ["--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not out.exists()


def test_ablation_settings_reach_every_variant(tmp_path, monkeypatch):
    seen = []

    def fake(name, seed, out, overrides, log):
        seen.append(dict(overrides))
        return {"model": name, "seed": seed, "wall_s": 0.0,
                "rollout_nmse": 0.1, "one_step_nmse": 0.1,
                "forecast": np.zeros(3), "truth": np.zeros(3)}

    monkeypatch.setitem(design.RUNNERS, "laser", fake)
    suite.run_ablation("linear", ["laser"], 1, str(tmp_path), quick=True,
                       settings={"time_steps": 50}, log=lambda *a: None)
    assert len(seen) == len(suite.ABLATION)
    assert all(s["time_steps"] == 50 and s["epochs"] == 2 for s in seen)
    assert {"change": True} in [
        {k: v for k, v in s.items() if k == "change"} for s in seen]


def _fake_peers(calls, delay=0.0, value=0.5):
    def peers(protocol, seeds, quick):
        calls.append(protocol)
        time.sleep(delay)
        return [{"model": "ar (peer)", "seed": 0, "settings": "ar(order=2)",
                 "wall_s": 0.1, "rollout_nmse": value,
                 "one_step_nmse": math.nan,
                 "forecast": np.array([1.0, math.inf]),
                 "truth": np.array([1.0, 2.0])}]
    return peers


def test_peers_are_measured_once_by_two_writers_at_once(tmp_path,
                                                        monkeypatch):
    calls = []
    monkeypatch.setattr(design, "peers", _fake_peers(calls, delay=0.5))
    results = [None, None]

    def measure(i):
        results[i] = suite._cached_peers("laser", 1, str(tmp_path), True,
                                         log=lambda *a: None)

    threads = [threading.Thread(target=measure, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["laser"]
    for rows in results:
        assert rows[0]["rollout_nmse"] == 0.5
        assert math.isnan(rows[0]["one_step_nmse"])  # NaN kept
        np.testing.assert_array_equal(rows[0]["forecast"], [1.0, math.inf])
    path, key = suite.peers_path("laser", 1, str(tmp_path), True)
    saved = json.loads(open(path).read())  # strict JSON, one value
    assert saved["key"] == key
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []


def test_peers_are_reused_only_for_the_same_key(tmp_path, monkeypatch):
    calls, lines = [], []
    monkeypatch.setattr(design, "peers", _fake_peers(calls))
    suite._cached_peers("laser", 1, str(tmp_path), True, lines.append)
    path, _ = suite.peers_path("laser", 1, str(tmp_path), True)
    suite._cached_peers("laser", 1, str(tmp_path), True, lines.append)
    assert len(calls) == 1 and lines == [f"peers: reused from {path}"]
    # A changed ESN grid, seed count or protocol is measured anew.
    monkeypatch.setattr(design, "QUICK_ESN_GRID", {"units": (50,)})
    suite._cached_peers("laser", 1, str(tmp_path), True, lines.append)
    suite._cached_peers("laser", 2, str(tmp_path), True, lines.append)
    suite._cached_peers("mackey_glass", 1, str(tmp_path), True, lines.append)
    assert len(calls) == 4 and len(lines) == 1
    assert suite.peers_path("laser", 1, str(tmp_path), True)[0] != path
    key = design.peer_key("laser", 1, False)
    assert key["esn_grid"] and key["ar_orders"] and key["horizon"] == 50
    assert key["code"]["source_sha1"]


@pytest.mark.parametrize("damage", ["[]", "null", "{}", "[1] [2]", "{\"a",
                                    '{"key": {}, "rows": [{"model": 1}]}'])
def test_a_damaged_peers_cache_is_measured_again(tmp_path, monkeypatch,
                                                 damage):
    calls, lines = [], []
    monkeypatch.setattr(design, "peers", _fake_peers(calls))
    suite._cached_peers("laser", 1, str(tmp_path), True, lines.append)
    path, _ = suite.peers_path("laser", 1, str(tmp_path), True)
    with open(path, "w") as f:
        f.write(damage)
    rows = suite._cached_peers("laser", 1, str(tmp_path), True,
                               lines.append)
    assert len(calls) == 2 and rows[0]["model"] == "ar (peer)"
    assert lines == [f"peers: {path} is damaged; measuring them again"]
    assert suite._read_peers(path, design.peer_key("laser", 1, True),
                             lines.append) is not None


@ONCE
@pytest.mark.slow
def test_a_full_disk_names_the_file(tmp_path, capsys):
    recipe = load_recipe("forecast")
    out = tmp_path / "f"
    argv = ["--quick", "--no-peers", "--protocols", "laser", "--model",
            "persistence", "--out", str(out)]
    assert recipe.cli(argv) == 0
    before = (out / "forecast.md").read_text()
    capsys.readouterr()
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, limit[1]))
        code = recipe.cli(argv)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)
    assert code == 2
    err = capsys.readouterr().err
    assert "File too large" in err and str(out / 'laser.png') in err
    assert (out / "forecast.md").read_text() == before
    assert [p.name for p in out.iterdir() if ".tmp" in p.name] == []


@ONCE
@pytest.mark.slow
def test_the_help_example_on_the_reference_protocol(tmp_path):
    recipe = load_recipe("forecast")
    out = tmp_path / "f"
    assert recipe.cli(["--quick", "--no-peers", "--protocols", "reference",
                       "--model", "linear", "--set", "split=random",
                       "--out", str(out)]) == 0
    assert "| linear | 1 |" in (out / "forecast.md").read_text()
