"""The staging directory: one writer, attempts, rewinding, finishing."""

import json
import os

import keras
import pandas as pd
import pytest

from kzoo import data
from kzoo import training
from kzoo.training.staging import PLAN_FILE
from kzoo.training.staging import WAIT_HINT
from kzoo.training.staging import RunBusy
from kzoo.training.staging import Staging
from kzoo.training.staging import find_finished

from datafiles import smooth_series
from datafiles import write_csv


@pytest.fixture
def plan(tmp_path):
    series = data.load("csv:" + write_csv(tmp_path / "s.csv",
                                          smooth_series(80)))
    return training.plan_run("vqlnmlp", {"time_steps": 8}, series,
                             out=str(tmp_path / "runs"))


def test_one_writer_at_a_time(plan):
    with Staging(plan) as stage:
        assert stage.attempts == 1
        with pytest.raises(RunBusy, match=f"another process \\(pid "
                           f"{os.getpid()}\\) is working on this run"):
            with Staging(plan):
                pass
    with Staging(plan) as again:  # released: the next attempt
        assert again.attempts == 2


def test_attempts_and_wall_time_add_up(plan):
    with Staging(plan) as stage:
        stage.start_clock()
    first = json.load(open(os.path.join(stage.path, "attempts.json")))
    assert first["attempts"] == 1 and first["wall_s"] > 0
    with Staging(plan) as stage:
        assert stage.wall_s() == pytest.approx(first["wall_s"])


def test_rewind_cuts_history_and_logs(plan):
    with Staging(plan) as stage:
        path = os.path.join(stage.path, "history.csv")
        pd.DataFrame({"epoch": range(5), "loss": [5.0, 4, 3, 2, 1],
                      "val_loss": [6.0, 5, 4, 3, 2]}).to_csv(path,
                                                             index=False)
        os.makedirs(os.path.join(stage.path, "logs", "train"))
        stale = os.path.join(stage.path, "logs", "train", "stale")
        open(stale, "w").close()
        stage.rewind(3)
        assert list(pd.read_csv(path)["epoch"]) == [0, 1, 2]
        assert not os.path.exists(stale)
        events = os.listdir(os.path.join(stage.path, "logs", "validation"))
        assert events and events[0].startswith("events.out.tfevents")
        stage.rewind(0)
        assert not os.path.exists(path)


def test_finish_renames_and_is_found(plan):
    with Staging(plan) as stage:
        with open(os.path.join(stage.path, "config.json"), "w") as f:
            json.dump({"key": plan.key()}, f)
        final = stage.finish()
    assert not os.path.exists(stage.path)
    assert sorted(os.listdir(final)) == ["config.json"]
    assert find_finished(plan.out, plan.name, plan.key()) == final
    with Staging(plan) as stage:  # reuse: nothing left behind
        assert stage.finished == final
    assert not os.path.exists(plan.staging_dir)


def test_a_run_recorded_before_a_setting_was_added_is_reused(tmp_path):
    # vqcache's key_lag (kzoo.models.history) did not exist when earlier
    # runs were recorded: their keys digest the hyperparameters without it.
    series = data.load("csv:" + write_csv(tmp_path / "s.csv",
                                          smooth_series(80)))
    plan = training.plan_run("vqcache", {"time_steps": 8}, series,
                             out=str(tmp_path / "runs"))
    assert plan.hparams["key_lag"] == 0
    current, earlier = plan.keys()
    assert current == plan.key() and earlier != current
    # An interrupted earlier run resumes in its own folder.
    folder = os.path.join(plan.out, plan.name, ".partial-" + earlier)
    os.makedirs(folder)
    assert plan.staging_dir == folder
    with Staging(plan) as stage:
        assert stage.path == folder and stage.finished is None
        with open(os.path.join(stage.path, "config.json"), "w") as f:
            json.dump({"key": earlier}, f)
        final = stage.finish()
    with Staging(plan) as stage:  # finished under the earlier key: reused
        assert stage.finished == final
    # Another key_lag is another model: nothing of it is reused.
    lagged = training.plan_run("vqcache", {"time_steps": 8, "key_lag": 1},
                               series, out=str(tmp_path / "runs"))
    assert lagged.keys() == [lagged.key()]
    assert earlier not in lagged.keys()


def test_an_interrupted_run_under_another_backend_is_named(plan):
    other = "torch" if keras.backend.backend() != "torch" else "jax"
    folder = os.path.join(plan.out, plan.name, ".partial-0123456789ab")
    os.makedirs(folder)
    with open(os.path.join(folder, PLAN_FILE), "w") as f:
        json.dump({**plan.config(), "backend": other}, f)
    lines = []
    with Staging(plan, log=lines.append):
        pass
    assert lines == [
        f"note: {folder} holds this run, interrupted under {other}; "
        f"KERAS_BACKEND={other} resumes it. This one starts afresh under "
        f"{keras.backend.backend()}."]


def test_the_busy_message_ends_with_the_callers_hint(plan):
    # No --wait by default (forecast, study, recall, bench and tune have
    # none); train.py passes its own, as any caller may (issue 27 #17).
    with Staging(plan):
        with pytest.raises(RunBusy, match="; wait for it to end, then run "
                           "the same command again$"):
            with Staging(plan):
                pass
        with pytest.raises(RunBusy, match="; wait for it to end, or add "
                           "--wait$"):
            with Staging(plan, hint=WAIT_HINT):
                pass
        with pytest.raises(RunBusy, match=r"is working on this run in .*; "
                           "run this study again later$"):
            with Staging(plan, hint="run this study again later"):
                pass
