import os
import subprocess
import sys

import pytest

from helpers import ROOT
from helpers import smooth_series
from helpers import write_csv


@pytest.fixture
def csv(tmp_path):
    return write_csv(tmp_path / "y+w.csv", smooth_series(160))


def _errors(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "csv:/no/such.csv"], "no such file"),
        (["--dataset", "csv:{csv}:ppm"], "columns: time(h), formaldehyde"),
        (["--dataset", "csv:{bad}"], "line(s) 3"),
        (["--dataset", "csv:{csv}", "--time-steps", "500"], "too short"),
        (["--model", "gru", "--dataset", "csv:{csv}"], "valid: cachevq"),
        (["--model", "lstm", "--vocab-size", "8", "--dataset", "csv:{csv}"],
         "--vocab-size does not apply to lstm"),
        (["--model", "vqlnmlp", "--lr", "0", "--dataset", "csv:{csv}"],
         "lr must be > 0"),
        (["--model", "mhvqlnmlp", "--d-model", "10", "--n-head", "4",
          "--dataset", "csv:{csv}"], "n_head=4 must divide d_model=10"),
        (["--model", "cachevq", "--sizes", "64,32", "--dataset", "csv:{csv}"],
         "strictly increase"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    train_recipe, capsys, tmp_path, csv, args, message
):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,v\n0,1\n1,x\n" + "".join(f"{i},{i}\n" for i in range(2, 200)))
    out = tmp_path / "runs"
    args = [a.format(csv=csv, bad=bad) for a in args]
    code = train_recipe.cli(args + ["--out", str(out), "--epochs", "1"])
    assert code == 2
    assert message in _errors(capsys)
    assert not out.exists()


def test_several_models_one_run(train_recipe, capsys, tmp_path, csv):
    out = tmp_path / "runs"
    code = train_recipe.cli([
        "--model", "vqlnmlp", "--model", "persistence", "--dataset",
        f"csv:{csv}", "--time-steps", "16", "--epochs", "1", "--quiet",
        "--vocab-size", "16", "--out", str(out),
    ])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| File | Loss | val_mse_next | params | backend | wall_s |" in printed
    assert "vqlnmlp_vs16_dm8_y_w_ts16_lr0.007/" in printed
    assert "persistence_y_w_ts16_lr0.001/" in printed
    results = (out / "results.md").read_text().splitlines()
    assert len(results) == 4
    assert sorted(os.listdir(out)) == [
        "persistence_y_w_ts16_lr0.001", "results.md",
        "vqlnmlp_vs16_dm8_y_w_ts16_lr0.007"]


def test_demo_defaults(train_recipe):
    args = train_recipe.parser().parse_args([])
    assert args.model is None and args.dataset == "laser"
    assert train_recipe.DEMO_MODELS == ["lstm", "vqlnmlp"]


def test_help_explains_every_flag():
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "train.py"), "--help"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    for flag in ("--model", "--dataset", "--time-steps", "--lr", "--epochs",
                 "--batch-size", "--vocab-size", "--d-model", "--n-head",
                 "--sizes", "--order", "--pe", "--codebook",
                 "--train-codebook", "--split", "--seed", "--out"):
        assert flag in result.stdout


def test_command_line_error_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "train.py"),
         "--model", "nope", "--out", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: unknown model")
    assert not (tmp_path / "runs").exists()
