import os

import pytest

from kzoo import data
from kzoo import models
from kzoo import training

from datafiles import smooth_series
from datafiles import write_csv


@pytest.fixture
def series(tmp_path):
    path = write_csv(tmp_path / "y+w.csv", smooth_series(160))
    return data.load("csv:" + path)


def test_run_names_follow_the_reference(series):
    hp = models.spec("vqlnpemlp").hparams(time_steps=96, lr=7e-3)
    assert training.run_name("vqlnpemlp", hp, "y_w") == (
        "vqlnpemlp_vs512_dm32_y_w_ts96_lr0.007")
    hp = models.spec("lstm").hparams()
    assert training.run_name("lstm", hp, "y_w") == "lstm_y_w_ts112_lr0.0005"
    hp = models.spec("mhcachevq").hparams(order="dec", sizes=(64, 8),
                                          pe="rope")
    assert training.run_name("mhcachevq", hp, "laser", "chrono") == (
        "mhcachevq_sz64-8_dec_dm32_nh2_perope_laser_ts96_lr0.007_chrono")
    # vqrecall's codes: key width and levels, where not the defaults.
    hp = models.spec("vqrecall").hparams(levels=16, n_head=2)
    assert training.run_name("vqrecall", hp, "c") == (
        "vqrecall_dm32_nh2_lv16_c_ts256_lr0.002")



def test_planning_writes_nothing_and_checks_every_value(tmp_path, series):
    out = str(tmp_path / "runs")
    plan = training.plan_run("vqlnmlp", {"time_steps": 16}, series, out=out)
    assert plan.name == "vqlnmlp_vs32_dm8_y_w_ts16_lr0.007"
    staging = os.path.join(out, plan.name, ".partial-")
    assert plan.staging_dir.startswith(staging)
    assert not os.path.exists(out)
    with pytest.raises(ValueError, match="vocab_size=0"):
        training.plan_run("vqlnmlp", {"vocab_size": 0}, series, out=out)
    with pytest.raises(ValueError, match="`seed` must be an integer >= 0"):
        training.plan_run("vqlnmlp", {}, series, seed=-1, out=out)
    with pytest.raises(ValueError, match="too short"):
        training.plan_run("vqlnmlp", {"time_steps": 159}, series, out=out)


def test_a_closed_form_table_is_checked_before_anything_runs(tmp_path,
                                                             series,
                                                             monkeypatch):
    # vqridge has no d_model: its table and its solve are checked on their
    # own (issue 27 #15, #17): rows beyond int32 or beyond the training
    # windows, or a solve that would not fit in memory, are refused at
    # planning, before a staging directory exists.
    from kzoo.training import plan as planning

    out = str(tmp_path / "runs")
    hp = {"time_steps": 16, "n_lags": 4, "delay": 3}
    with pytest.raises(ValueError, match="vocab_size=100000000000"):
        training.plan_run("vqridge", {**hp, "vocab_size": 10**11}, series,
                          out=out)
    with pytest.raises(ValueError, match="vocab_size=5000 of vqridge exceeds "
                       "the 115 training windows"):
        training.plan_run("vqridge", {**hp, "vocab_size": 5000}, series,
                          out=out)
    monkeypatch.setattr(planning, "available_memory", lambda: 2**18)
    with pytest.raises(ValueError, match="solving vqridge's codebook needs "
                       r".* GiB, more than half of the 0.000244 GiB"):
        training.plan_run("vqridge", {**hp, "vocab_size": 100}, series,
                          out=out)
    monkeypatch.setattr(planning, "available_memory", lambda: 2**30)
    training.plan_run("vqridge", {**hp, "vocab_size": 100}, series, out=out)
    assert not os.path.exists(out)


def test_a_constant_series_is_refused_at_planning(tmp_path):
    series = data.load("csv:" + write_csv(tmp_path / "c.csv", [5.0] * 120))
    with pytest.raises(data.DataError, match="the series is constant"):
        training.plan_run("linear", {"time_steps": 16}, series,
                          out=str(tmp_path / "runs"))
