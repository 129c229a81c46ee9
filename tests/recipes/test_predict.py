import json
import os
import shutil

import pytest

from kzoo import data
from kzoo import training

from helpers import load_recipe
from helpers import smooth_series
from helpers import write_csv


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("p")
    series = data.load("csv:" + write_csv(root / "y+w.csv", smooth_series(100)))
    plan = training.plan_run("vqlnmlp", {"time_steps": 12, "epochs": 1},
                             series, out=str(root / "out"))
    return training.execute(plan, series, verbose=0)["run_dir"]


@pytest.fixture(scope="module")
def recipe():
    return load_recipe("predict")


def test_prints_the_table(recipe, run_dir, capsys):
    assert recipe.cli([run_dir, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "| batch |" in out and "| regressive |" in out


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    return err[0]


def test_bad_inputs(recipe, run_dir, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert recipe.cli([str(empty)]) == 2
    assert "no model.keras" in _one_line_error(capsys)

    corrupt = tmp_path / "corrupt"
    shutil.copytree(run_dir, corrupt)
    (corrupt / "model.keras").write_bytes(b"not a zip file")
    assert recipe.cli([str(corrupt)]) == 2
    assert "cannot load" in _one_line_error(capsys)

    before = sorted(os.listdir(run_dir))
    short = write_csv(tmp_path / "short.csv", smooth_series(10))
    assert recipe.cli([run_dir, "--dataset", f"csv:{short}"]) == 2
    assert "shorter than the run's time_steps=12" in _one_line_error(capsys)

    other = tmp_path / "other.csv"
    other.write_text("t,ppm\n" + "".join(f"{i},{i % 7}\n" for i in range(50)))
    assert recipe.cli([run_dir, "--dataset", f"csv:{other}"]) == 2
    assert "'formaldehyde(ug/m³)' not in" in _one_line_error(capsys)

    assert recipe.cli([run_dir, "--predict-rate", "1.5"]) == 2
    assert "predict-rate" in _one_line_error(capsys)
    assert sorted(os.listdir(run_dir)) == before


def test_a_kzoo_0_1_run_is_refused_with_a_way_out(recipe, run_dir, tmp_path,
                                                   capsys):
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    config = json.loads((old / "config.json").read_text())
    del config["kzoo_version"]
    (old / "config.json").write_text(json.dumps(config))
    assert recipe.cli([str(old)]) == 2
    assert "saved by kzoo 0.1" in _one_line_error(capsys)
