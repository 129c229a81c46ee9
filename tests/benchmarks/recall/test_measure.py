"""Scoring: the threshold, the content task's positions, the study's calls."""

import numpy as np
import pytest

from kzoo import data
from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall import tasks


def test_longest_recall():
    rows = [{"model": "a", "lag": 8, "nmse": 0.05},
            {"model": "a", "lag": 16, "nmse": 0.2},
            {"model": "b", "lag": 8, "nmse": 0.5},
            {"model": "b", "lag": 16, "nmse": None}]
    assert measure.longest_recall(rows) == {"a": 8, "b": 0}


def test_content_scores_an_oracle_at_the_floor_and_noise_at_one():
    task = tasks.ContentTask()
    values = task.values()
    z = data.ZScore.fit(values).transform(values)
    starts, distances = task.recurrences()
    source = {}
    for r, d in zip(starts, distances):
        for j in range(task.key, task.key + task.continuation):
            source[r + j] = r + j - d

    def oracle(z, targets):  # knows where each continuation was seen
        return task.a * z[[source[t] for t in targets]]

    scores = measure.content_scores(oracle, z, task)
    assert scores["nmse"] == pytest.approx(task.floor, rel=0.15)
    assert sorted(scores["bands"]) == [16, 32, 64, 128, 256]
    blind = measure.content_scores(lambda z, t: np.zeros(len(t)), z, task)
    assert blind["nmse"] == pytest.approx(1, abs=0.1)
    # Only validation values are scored (after every training target).
    count = len(z) - task.window
    train, val = data.split_indices(count, task.window, "chrono")
    seen = []
    measure.content_scores(lambda z, t: seen.append(t) or np.zeros(len(t)),
                           z, task)
    assert seen[0].min() >= val[0] + task.window > train[-1] + task.window


def test_a_trained_vqrecall_recalls_exact_content(tmp_path):
    # A small exact-recurrence task: 4224 training windows of 32 values.
    task = tasks.ContentTask(window=32, a=1, min_val=1024)
    trained = measure.content_run("vqrecall", {"epochs": 2, "lr": 0.005}, 0,
                                  str(tmp_path), task, log=lambda *a: None)
    assert trained["nmse"] < 0.2  # 0.04 on JAX
    assert measure.content_ar(task)["nmse"] > 0.9  # no linear map finds it


def test_distance_bands():
    np.testing.assert_array_equal(
        measure.distance_bands([16, 31, 32, 504]), [16, 16, 32, 256])


@pytest.mark.slow
def test_the_study_calls_still_work(tmp_path):
    # As kzoo.benchmarks.study.measure calls them: positional arguments.
    log = []
    metrics = measure.recall_run("linear", 8, 1, str(tmp_path), 0, {},
                                 log.append)
    assert metrics["nmse"] == metrics["val_mse_next"] > 0
    again = measure.recall_run("linear", 8, 1, str(tmp_path), 0, {},
                               log.append)
    assert again["reused"] and again["nmse"] == metrics["nmse"]
    rows = [{"model": "linear", "lag": 8, "nmse": metrics["val_mse_next"]}]
    assert measure.longest_recall(rows)["linear"] in (0, 8)


def test_aligned_models_that_can_train_on_the_predictable_tail_do(tmp_path):
    from kzoo.benchmarks.recall import tasks

    assert tasks.predictable(8) == 25 and tasks.predictable(64) == 17
    plan, _ = measure.lag_plan("vqcache", 64, {"epochs": 1}, 0,
                               str(tmp_path))
    assert plan.hparams["loss_positions"] == 17
    assert plan.hparams["time_steps"] == 80
    given, _ = measure.lag_plan("vqcache", 64, {"loss_positions": 0}, 0,
                                str(tmp_path))
    assert given.hparams["loss_positions"] == 0  # an override is kept
    linear, _ = measure.lag_plan("linear", 64, {}, 0, str(tmp_path))
    assert "loss_positions" not in linear.hparams
