import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kzoo import tuning
from kzoo.eval import report

from datafiles import smooth_series
from datafiles import write_csv
from helpers import ONCE
from helpers import ROOT
from helpers import LoopbackCluster
from helpers import cluster_env
from helpers import free_port
from helpers import load_recipe

TUNE = os.path.join(ROOT, "recipes", "tune.py")


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("d") / "s.csv", smooth_series(120))


@pytest.fixture(scope="module")
def recipe():
    return load_recipe("tune")


def _args(csv, out, trials=3, model="vqlnmlp"):
    return ["--model", model, "--max-trials", str(trials), "--epochs", "1",
            "--dataset", f"csv:{csv}", "--out", str(out),
            "--space", "time_steps=12,16"]


def test_family_spaces():
    assert set(tuning.family_space("lstm")) == {"lr", "time_steps"}
    assert "n_head" not in tuning.family_space("vqlnpemlp")
    assert set(tuning.family_space("mhcachevq")) >= {"n_head", "order", "pe"}
    assert tuning.family_space("vqlnmlp", {"lr": [0.1]})["lr"] == [0.1]
    # vqridge is solved, not trained: its read is searched, not the rate.
    assert set(tuning.family_space("vqridge")) == {
        "time_steps", "vocab_size", "temperature", "ridge"}
    assert "temperature" not in tuning.family_space("vqmixer")
    with pytest.raises(ValueError, match="`ridge` must be a number >= 0"):
        tuning.family_space("vqridge", {"ridge": [-1.0]})
    with pytest.raises(ValueError, match="range of lr is empty"):
        tuning.family_space("vqlnmlp", {"lr": []})
    with pytest.raises(ValueError, match="`lr` must be a number > 0"):
        tuning.family_space("vqlnmlp", {"lr": [-1]})
    with pytest.raises(ValueError, match="no hyperparameter units"):
        tuning.family_space("vqlnmlp", {"units": [3]})


@pytest.mark.slow
def test_tiny_search_writes_runs_and_resumes(recipe, csv, tmp_path, capsys):
    out = tmp_path / "tune"
    assert recipe.cli(_args(csv, out)) == 0
    printed = capsys.readouterr().out
    assert "Best 3 trials by val_mse_next" in printed
    assert "Average rank by Final/val_mse_next, k = 1" in printed
    rows = report.collect_runs(str(out))
    assert len(rows) == 3
    for row in rows:
        config = json.load(open(os.path.join(row["run_dir"], "config.json")))
        assert config["tuner_id"] == "local"
        assert config["hparams"]["time_steps"] in (12, 16)
    # The same command again resumes: nothing new is trained.
    assert recipe.cli(_args(csv, out)) == 0
    assert len(report.collect_runs(str(out))) == 3


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--model", "gru"], "argument --model: invalid choice: 'gru'"),
        (["--max-trials", "0"], "--max-trials must be >= 1"),
        (["--space", "lr="], "range of lr is empty"),
        (["--space", "vocab_size=0,8"], "Received: vocab_size=0"),
        (["--space", "read=soft,warm"], "`read` must be one of"),
        (["--space", "time_steps=12,100000"], "too short for time_steps"),
    ],
)
def test_bad_input(recipe, csv, tmp_path, capsys, extra, message):
    assert recipe.cli(_args(csv, tmp_path / "t") + extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "t").exists()  # nothing half-written


@ONCE
@pytest.mark.slow
def test_unreachable_oracle_times_out(csv, tmp_path):
    result = subprocess.run(
        [sys.executable, TUNE, *_args(csv, tmp_path / "t"),
         "--oracle-timeout", "2"],
        env=cluster_env("tuner0", free_port()), capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "did not answer within 2 s" in result.stderr.strip().splitlines()[-1]


class _Cluster(LoopbackCluster):
    """A chief and workers of recipes/tune.py on loopback."""

    def __init__(self, csv, out, trials, worker_timeout=8):
        super().__init__(TUNE, _args(csv, out, trials) + [
            "--worker-timeout", str(worker_timeout), "--project", "p"], out)

    def oracle(self):
        path = os.path.join(self.out, ".tuner", "p", "oracle.json")
        try:
            return json.load(open(path))
        except (OSError, ValueError):
            return {}


def _runs_by_worker(out):
    counts = {}
    for row in report.collect_runs(str(out)):
        config = json.load(open(os.path.join(row["run_dir"], "config.json")))
        counts[config["tuner_id"]] = counts.get(config["tuner_id"], 0) + 1
    return counts


def _trial_statuses(out):
    folder = os.path.join(out, ".tuner", "p")
    statuses = {}
    for name in os.listdir(folder):
        path = os.path.join(folder, name, "trial.json")
        if name.startswith("trial_") and os.path.isfile(path):
            statuses[name] = json.load(open(path))["status"]
    return statuses


@ONCE
@pytest.mark.slow
def test_distributed_search_on_loopback(csv, tmp_path):
    out = str(tmp_path / "dist")
    os.makedirs(out)
    cluster = _Cluster(csv, out, trials=4)
    try:
        cluster.start("chief")
        cluster.start("tuner0")
        cluster.start("tuner1")
        assert cluster.wait("tuner0") == 0
        assert cluster.wait("tuner1") == 0
        assert cluster.wait("chief", timeout=120) == 0
    finally:
        cluster.close()
    per_worker = _runs_by_worker(out)
    assert set(per_worker) == {"tuner0", "tuner1"}, per_worker
    assert sum(per_worker.values()) == 4
    assert list(_trial_statuses(out).values()) == ["COMPLETED"] * 4


@ONCE
@pytest.mark.slow
def test_killed_worker_keeps_the_others_trials(csv, tmp_path):
    out = str(tmp_path / "kill")
    os.makedirs(out)
    cluster = _Cluster(csv, out, trials=4, worker_timeout=6)
    try:
        cluster.start("chief")
        cluster.start("tuner0")
        cluster.start("tuner1")
        deadline = time.monotonic() + 180
        while "tuner1" not in cluster.oracle().get("ongoing_trials", {}):
            assert time.monotonic() < deadline, "tuner1 never got a trial"
            assert cluster.procs["tuner1"].poll() is None
            time.sleep(0.2)
        cluster.procs["tuner1"].send_signal(signal.SIGKILL)
        cluster.wait("tuner1")
        assert cluster.wait("tuner0") == 0
        assert cluster.wait("chief", timeout=120) == 0
        chief_log = open(os.path.join(out, "chief.log")).read()
    finally:
        cluster.close()
    assert "worker tuner1 silent" in chief_log
    per_worker = _runs_by_worker(out)
    assert per_worker.get("tuner0", 0) >= 3 and "tuner1" not in per_worker
    completed = [s for s in _trial_statuses(out).values() if s == "COMPLETED"]
    assert len(completed) == per_worker["tuner0"]


@ONCE
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["bayesian", "hyperband"])
def test_other_tuners(recipe, csv, tmp_path, capsys, kind):
    args = _args(csv, tmp_path / kind, trials=2)
    args[args.index("--epochs") + 1] = "2"
    assert recipe.cli(args + ["--tuner", kind]) == 0
    assert "trials by val_mse_next" in capsys.readouterr().out
    assert len(report.collect_runs(str(tmp_path / kind))) >= 2
