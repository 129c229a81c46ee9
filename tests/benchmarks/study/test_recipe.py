"""recipes/study.py: flags checked first, reuse, report-only, signals."""
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure
from kzoo.models.registry import KZOO_TRAINING

from .fakes import FakeChild
from .fakes import result
from helpers import ONCE
from helpers import ROOT
from helpers import load_recipe

FLAT32 = {"family": "mixer", "variant": "flat", "vocab": 32, "seeds": [0],
          "limit_s": 600.0, "window_tasks": list(design.WINDOW_TASKS)}


@pytest.fixture
def recipe():
    return load_recipe("study")


@pytest.mark.parametrize("flags, message", [
    (["--family", ","], "--family names nothing; valid: per-token, mixer"),
    (["--family", "mixer,bogus"], "--family: unknown 'bogus'"),
    (["--variant", "flat,flat"], "--variant names 'flat' twice"),
    (["--method", "octree"], "--variant: unknown 'octree'"),
    (["--vocab", "2^5,32"], "--vocab gives 32 twice (as 32)"),
    (["--vocab", "2^40"], "V=2^40: the flat variant would need a table of "
     "1099511627776 rows"),
    (["--vocab", "2^999999"], "the exponent must be in [0, 128]"),
    (["--report-only"], "no study there (no cells/ folder)"),
    (["--recall-lags", "8,x"], "--recall-lags must be integers"),
    (["--recall-lags", "5000"], "--recall-lags: lag 5000: the lag task "
     "takes integer lags from 1 to 4096"),
    (["--window-tasks", "content,bogus"], "--window-tasks: unknown 'bogus'"),
    (["--worker-timeout", "0"], "--worker-timeout must be > 0, got 0"),
    (["--oracle-timeout", "-1"], "--oracle-timeout must be > 0, got -1"),
])
def test_a_bad_command_is_refused_before_anything_runs(
        tmp_path, monkeypatch, capsys, recipe, flags, message):
    fake = FakeChild(monkeypatch)
    out = tmp_path / "typo"
    assert recipe.cli(["--out", str(out), "--quiet"] + flags) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists() and fake.measured == []


def test_method_is_an_alias_of_variant(tmp_path, monkeypatch, recipe):
    fake = FakeChild(monkeypatch)
    assert recipe.cli(["--out", str(tmp_path), "--family", "mixer",
                       "--method", "product2", "--vocab", "32", "--seeds",
                       "1", "--quiet"]) == 0
    assert fake.measured == ["mixer_product2_32", "reference"]


def test_recall_lags_replace_every_familys_own(tmp_path, monkeypatch,
                                              recipe):
    fake = FakeChild(monkeypatch)
    assert recipe.cli(["--out", str(tmp_path), "--family", "mixer,cache",
                       "--variant", "flat", "--vocab", "32", "--seeds", "1",
                       "--recall-lags", "1024,64", "--quiet"]) == 0
    assert fake.measured == ["mixer_flat_32", "cache_flat_32", "reference"]
    for config in fake.configs:
        assert measure.result_key(config)["recall"]["lags"] == [64, 1024]


def test_window_tasks_reach_the_families_that_read_a_window(
        tmp_path, monkeypatch, recipe):
    fake = FakeChild(monkeypatch)
    common = ["--family", "per-token,cache", "--variant", "flat", "--vocab",
              "32", "--seeds", "1", "--quiet"]
    assert recipe.cli(["--out", str(tmp_path / "all")] + common) == 0
    keys = [measure.result_key(c) for c in fake.configs]
    assert [sorted(k.get("tasks", ())) for k in keys] == [
        [], ["content", "taylor"], ["content", "taylor"]]
    text = (tmp_path / "all" / "study.md").read_text()
    assert "| seasonal naive (a week back) | 0.014 |" in text
    fake.configs.clear()
    assert recipe.cli(["--out", str(tmp_path / "none"), "--window-tasks",
                       "none"] + common) == 0
    assert not any("tasks" in measure.result_key(c) for c in fake.configs)
    assert "seasonal naive" not in (tmp_path / "none" / "study.md"
                                    ).read_text()


def test_a_relative_out_is_the_callers(tmp_path, monkeypatch, recipe):
    fake = FakeChild(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert recipe.cli(["--out", "rel", "--family", "mixer", "--vocab", "32",
                       "--variant", "flat", "--seeds", "1", "--quiet"]) == 0
    assert {c["out"] for c in fake.configs} == {str(tmp_path / "rel" /
                                                    "runs")}
    assert (tmp_path / "rel" / "cells" / "reference.json").exists()
    assert not os.path.exists(os.path.join(ROOT, "rel"))


def test_report_only_tabulates_finished_cells_and_measures_nothing(
        tmp_path, capsys, recipe):
    cells = tmp_path / "cells"
    cells.mkdir()
    finished = {**result(FLAT32, value=0.0161), "peak_rss_mb": 900.0}
    (cells / "mixer_flat_32.json").write_text(json.dumps(finished))
    assert recipe.cli(["--report-only", "--out", str(tmp_path), "--family",
                       "mixer", "--variant", "flat,product2", "--vocab",
                       "32", "--seeds", "1"]) == 0
    printed = capsys.readouterr().out
    assert f"reused from {cells / 'mixer_flat_32.json'}" in printed
    text = (tmp_path / "study.md").read_text()
    assert "| 1: flat | 0.0161 |" in text
    assert "| 2: product, 2 heads | skipped: not measured yet |" in text
    assert "LSTM" not in text  # the reference was not measured either
    assert sorted(os.listdir(cells)) == ["mixer_flat_32.json"]
    frame = pd.read_csv(tmp_path / "study.csv")
    assert list(frame["skipped"].fillna("")) == ["", "not measured yet"]
    assert list(frame["variant"]) == ["flat", "product2"]


def test_a_cell_measured_otherwise_is_refused(tmp_path, capsys, recipe):
    cells = tmp_path / "cells"
    cells.mkdir()
    finished = result({**FLAT32, "epochs": 50})
    (cells / "mixer_flat_32.json").write_text(json.dumps(finished))
    common = ["--report-only", "--out", str(tmp_path), "--family", "mixer",
              "--variant", "flat", "--vocab", "32", "--quiet"]
    assert recipe.cli(common + ["--seeds", "1", "--epochs", "50"]) == 0
    epochs = KZOO_TRAINING["epochs"]
    for other, measured, asked in (
            (["--seeds", "2", "--epochs", "50"], "seeds [0]",
             "seeds [0, 1]"),
            (["--seeds", "1"], "50 epochs", f"{epochs} epochs"),
            (["--seeds", "2"], "seeds [0] and 50 epochs",
             f"seeds [0, 1] and {epochs} epochs")):
        assert recipe.cli(common + other) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert f"mixer_flat_32.json was measured with {measured}; this " \
            f"command asks for {asked}: give the same flags" in err[0]


@ONCE
@pytest.mark.slow
def test_quick_study_writes_tables_plots_and_resumes(tmp_path, capsys,
                                                     recipe):
    # Two variants (every family): each mixer and cache cell trains on the
    # recall task too, the costliest part; every variant's row is
    # tests/benchmarks/study/test_report.py's.
    out = tmp_path / "s"
    variants = ["flat", "product2"]
    command = ["--quick", "--out", str(out), "--variant", ",".join(variants)]
    assert recipe.cli(command) == 0
    text = (out / "study.md").read_text()
    families = ("per-token", "mixer", "cache")
    for family in families:
        assert f"## {family} family" in text
    assert text.count("| LSTM (reference settings) |") >= 4
    assert "| variant \\ effective vocabulary | 2^5 | 2^6 |" in text
    for variant in variants:
        assert f"| {design.VARIANT_LABELS[variant]} |" in text
    # The recall curve's one quick lag, in both families that recall.
    assert text.count("### recall NMSE at lag K = 8 (floor 0.059)") == 2
    frame = pd.read_csv(out / "study.csv")
    assert len(frame) == len(families) * len(variants) * 2 + 1
    for name in ("study_quality.png", "study_cost.png"):
        assert os.path.getsize(out / name) > 0
    saved = json.loads((out / "cells" / "mixer_flat_32.json").read_text())
    assert saved["key"]["version"] == measure.VERSION
    assert saved["key"]["recall"]["lags"] == [8]
    assert "failed" not in saved and saved["runs"][0]["recall_k"] is not None
    cache = json.loads((out / "cells" / "cache_product2_32.json").read_text())
    assert cache["model"] == "mhvqcache" and cache["key"]["recall"][
        "settings"] == {"lr": 5e-3}
    assert cache["runs"][0]["recall_nmse_8"] > 0
    # The window tasks, small, in both families that read a window, with
    # their peers; the LSTM is measured on them too.
    assert cache["runs"][0]["content_nmse"] > 0
    assert cache["runs"][0]["taylor_nmse"] > 0
    assert saved["key"]["tasks"]["content"]["task"]["window"] == 32
    assert text.count("### content-addressed recall NMSE, W = 32") == 2
    assert text.count("### Taylor NMSE, held-out two weeks, lookback "
                      "T = 48") == 2
    assert text.count("| seasonal naive (a week back) |") == 2
    lstm = json.loads((out / "cells" / "reference.json").read_text())
    assert lstm["runs"][0]["taylor_nmse"] > 0
    token = json.loads((out / "cells" / "per-token_flat_32.json").read_text())
    assert "content_nmse" not in token["runs"][0]
    assert token["runs"][0]["logistic_horizon"] >= 0
    assert "steps fed back within NRMSE 0.1 on the logistic map" in text
    capsys.readouterr()
    assert recipe.cli(command) == 0
    printed = capsys.readouterr().out
    assert printed.count(": done before, reused from ") == (
        len(families) * len(variants) * 2 + 1)


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.isdigit() and int(fields[1]) == pid:
            found.append(int(entry))
    return found


@ONCE
@pytest.mark.slow
def test_sigterm_stops_the_study_and_its_child_cleanly(tmp_path):
    out = tmp_path / "s"  # relative: the caller's folder, not the checkout
    process = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "recipes", "study.py"), "--out",
         "s", "--family", "mixer", "--variant", "flat", "--vocab", "32",
         "--seeds", "1", "--epochs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, cwd=str(tmp_path))
    deadline = time.monotonic() + 120
    while not _children(process.pid) and time.monotonic() < deadline:
        assert process.poll() is None
        time.sleep(0.2)
    (child,) = _children(process.pid)
    time.sleep(2)
    os.killpg(process.pid, signal.SIGTERM)  # as a terminal or a scheduler
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert err.strip().splitlines()[-1].startswith("interrupted (SIGTERM)")
    assert "Traceback" not in err
    assert not os.path.exists(f"/proc/{child}")
    # The first job (the cell; the LSTM comes last) is not "failed".
    assert not (out / "cells" / "mixer_flat_32.json").exists()
    assert (out / "cells" / "mixer_flat_32.lock").exists()
    assert not os.path.exists(os.path.join(ROOT, "s"))
