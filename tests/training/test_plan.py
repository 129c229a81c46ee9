import os

import pytest

from kzoo import data
from kzoo import models
from kzoo import training

from helpers import smooth_series
from helpers import write_csv


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
