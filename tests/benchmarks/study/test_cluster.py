"""The study's cells served by KerasTuner's oracle: the oracle, the plan's
digest, and a chief with two workers on loopback."""
import json
import os

import pytest

from kzoo.benchmarks.study import cluster

from helpers import ONCE
from helpers import ROOT
from helpers import LoopbackCluster

STUDY = os.path.join(ROOT, "recipes", "study.py")
CELLS = ["reference", "per-token_flat_32", "per-token_flat_64"]


def _oracle(tmp_path, cells=CELLS):
    oracle = cluster.CellOracle(cells, "d1")
    oracle._set_project_dir(str(tmp_path), "p")
    return oracle


def test_the_oracle_hands_out_each_cell_once_then_stops(tmp_path):
    oracle = _oracle(tmp_path)
    given = []
    for worker in ("tuner0", "tuner1", "tuner0"):
        trial = oracle.create_trial(worker)
        assert trial.status == "RUNNING"
        assert trial.hyperparameters.values["plan"] == "d1"
        given.append(trial.hyperparameters.values["cell"])
        trial.status = "COMPLETED"
        trial.metrics.update(cluster.OBJECTIVE, 1.0)
        oracle.end_trial(trial)
    assert given == CELLS
    assert oracle.create_trial("tuner1").status == "STOPPED"


def test_a_lost_workers_cell_goes_to_the_next_worker(tmp_path):
    oracle = _oracle(tmp_path)
    lost = oracle.create_trial("tuner0")
    # What kzoo.tuning.distributed does to a silent worker's trial.
    oracle.ongoing_trials.pop("tuner0")
    oracle._retry_queue.append(lost.trial_id)
    again = oracle.create_trial("tuner1")
    assert again.hyperparameters.values["cell"] == "reference"
    assert oracle.create_trial("tuner2").hyperparameters.values["cell"] == \
        "per-token_flat_32"


def test_the_digest_names_what_the_cells_measure(tmp_path):
    def jobs(epochs):
        config = {"family": "per-token", "variant": "flat", "vocab": 32,
                  "seeds": [0], "epochs": epochs, "limit_s": 60.0,
                  "out": str(tmp_path)}
        return [(str(tmp_path / "cells" / "per-token_flat_32.json"), config,
                 "label")]

    assert cluster.plan_digest(jobs(1)) == cluster.plan_digest(jobs(1))
    assert cluster.plan_digest(jobs(1)) != cluster.plan_digest(jobs(2))
    moved = jobs(1)
    moved[0][1]["out"] = "/elsewhere"  # where a machine mounts OUT
    assert cluster.plan_digest(moved) == cluster.plan_digest(jobs(1))


QUICK = ["--quick", "--family", "per-token", "--variant", "flat",
         "--worker-timeout", "20"]


@ONCE
@pytest.mark.slow
def test_a_chief_and_two_workers_measure_the_study_on_loopback(tmp_path):
    out = tmp_path / "s"
    logs = tmp_path / "logs"
    logs.mkdir()
    group = LoopbackCluster(STUDY, QUICK + ["--out", str(out)], logs)
    try:
        group.start("chief")
        group.start("tuner0")
        group.start("tuner1")
        assert group.wait("tuner0") == 0, group.log("tuner0")
        assert group.wait("tuner1") == 0, group.log("tuner1")
        assert group.wait("chief", timeout=120) == 0, group.log("chief")
    finally:
        group.close()
    chief = group.log("chief")
    assert "chief: serving 3 of 3 cells on 127.0.0.1:" in chief
    measured = {}
    for worker in ("tuner0", "tuner1"):
        text = group.log(worker)
        assert f"worker {worker}: no cells left" in text
        measured[worker] = text.count(": measuring")
        for cell in CELLS:
            if f"chief: {cell} to {worker}" in chief:
                assert f"{cell} completed" in chief
    assert sorted(measured.values()) in ([1, 2], [0, 3]), measured
    assert sum(chief.count(f"chief: {cell} to ") for cell in CELLS) == 3
    for cell in CELLS:
        saved = json.loads((out / "cells" / f"{cell}.json").read_text())
        assert "failed" not in saved and saved["runs"], cell
    text = (out / "study.md").read_text()
    assert "| 1: flat |" in text and "LSTM (reference settings)" in text
    assert "study.md" not in os.listdir(logs)

    # Started again, the chief has nothing left to serve: it reports.
    again = LoopbackCluster(STUDY, QUICK + ["--out", str(out)], logs)
    try:
        again.start("chief")
        assert again.wait("chief", timeout=120) == 0, again.log("chief")
    finally:
        again.close()
    assert "chief: all 3 cells measured before; nothing to serve" in \
        again.log("chief")


@ONCE
@pytest.mark.slow
def test_a_worker_given_another_command_stops_in_one_line(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    group = LoopbackCluster(STUDY, QUICK + ["--out", str(tmp_path / "s")],
                            logs)
    try:
        group.start("chief")
        group.start("tuner0", ["--variant", "product2"])  # another plan
        assert group.wait("tuner0") == 2
    finally:
        group.close()
    last = group.log("tuner0").strip().splitlines()[-1]
    assert last.startswith("error: the chief serves another study than this "
                           "worker's command"), last
    assert "give every process the same command" in last


def test_a_resumed_chief_requeues_the_cells_its_workers_left(tmp_path):
    from kzoo.tuning import distributed

    oracle = _oracle(tmp_path)
    left = oracle.create_trial("tuner0")  # then the chief was stopped
    servicer = distributed._Servicer(oracle)  # the chief started again
    time_past = {k: v - 10.0 for k, v in servicer.last_seen.items()}
    dropped = distributed._drop_silent_workers(oracle, time_past, 5.0)
    assert dropped == [("tuner0", left.trial_id)]
    again = oracle.create_trial("tuner1")
    assert again.hyperparameters.values["cell"] == "reference"
