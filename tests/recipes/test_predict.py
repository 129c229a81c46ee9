import json
import os
import shutil

import pytest

from kzoo import data
from kzoo import training

from datafiles import smooth_series
from datafiles import write_csv
from helpers import load_recipe


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
    assert "model.keras is damaged (not a complete" in _one_line_error(capsys)

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


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda c: [c], "config.json is damaged: it holds a list"),
        (lambda c: {k: v for k, v in c.items() if k != "hparams"},
         "config.json is damaged: no 'hparams' (an object)"),
        (lambda c: {**c, "normalization": {"mean": 0, "std": 0}},
         "config.json is damaged: normalization is"),
        (lambda c: {**c, "target": "sideways"},
         "config.json is damaged: target is 'sideways'"),
    ],
)
def test_a_damaged_config_is_one_line(recipe, run_dir, tmp_path, capsys,
                                      damage, message):
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    config = json.loads((bad / "config.json").read_text())
    (bad / "config.json").write_text(json.dumps(damage(config)))
    assert recipe.cli([str(bad)]) == 2
    assert message in _one_line_error(capsys)


def test_a_truncated_model_is_named_damaged(recipe, run_dir, tmp_path,
                                            capsys):
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    data = (bad / "model.keras").read_bytes()
    (bad / "model.keras").write_bytes(data[: len(data) // 2])
    assert recipe.cli([str(bad)]) == 2
    error = _one_line_error(capsys)
    assert "model.keras is damaged (not a complete .keras archive" in error


def test_a_one_value_series_is_too_short_not_constant(recipe, run_dir,
                                                       tmp_path, capsys):
    one = tmp_path / "one.csv"
    one.write_text("t,formaldehyde(ug/m³)\n0,5.0\n", encoding="utf-8")
    assert recipe.cli([run_dir, "--dataset", f"csv:{one}"]) == 2
    assert "has 1 values: shorter than the run's time_steps=12" in (
        _one_line_error(capsys))


def test_a_diverged_run_is_not_forecast(recipe, run_dir, tmp_path, capsys):
    bad = tmp_path / "diverged"
    shutil.copytree(run_dir, bad)
    metrics = json.loads((bad / "metrics.json").read_text())
    metrics.update(status="diverged", epochs=3)
    (bad / "metrics.json").write_text(json.dumps(metrics))
    assert recipe.cli([str(bad)]) == 2
    assert "diverged (its loss became NaN or infinite at epoch 3)" in (
        _one_line_error(capsys))


def test_a_solve_with_nan_forecasts_is_diverged_and_not_forecast(
        recipe, train_recipe, tmp_path, capsys):
    # Issue 27 #8: recorded as complete, then forecast as NaN with exit 0.
    path = write_csv(tmp_path / "s.csv", smooth_series(100))
    out = tmp_path / "runs"
    assert train_recipe.cli([
        "--model", "vqridge", "--dataset", f"csv:{path}", "--time-steps",
        "16", "--vocab-size", "20", "--n-lags", "4", "--temperature",
        "1e-30", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "diverged: the closed-form fit gave NaN or infinite" in printed
    (run_dir,) = [str(p) for p in out.glob("vqridge_*/*")]
    metrics = json.load(open(os.path.join(run_dir, "metrics.json")))
    assert metrics["status"] == "diverged"
    before = sorted(os.listdir(run_dir))
    assert recipe.cli([run_dir, "--quiet"]) == 2
    assert "diverged: its closed-form fit gives NaN or infinite" in (
        _one_line_error(capsys))
    assert sorted(os.listdir(run_dir)) == before


def test_a_run_on_a_range_is_scored_after_it(recipe, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", smooth_series(100))
    series = data.load(f"csv:{path}[0:70]")
    plan = training.plan_run("vqlnmlp", {"time_steps": 12, "epochs": 1},
                             series, out=str(tmp_path / "out"))
    run_dir = training.execute(plan, series, verbose=0)["run_dir"]
    assert recipe.cli([run_dir, "--quiet", "--horizon", "10"]) == 0
    printed = capsys.readouterr().out
    assert "scoring points 70 to 99: the run was fitted on points 0 to 69" \
        in printed
    saved = json.load(open(os.path.join(run_dir, "metrics_s.json")))
    assert saved["batch"]["start"] == 70 and saved["batch"]["n"] == 30
    assert saved["regressive"]["start"] == 70
    assert saved["regressive"]["n"] == 10
