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
        (["--model", "gru", "--dataset", "csv:{csv}"],
         "invalid choice: 'gru' (choose from 'cachevq',"),
        (["--dataset", "csv:{csv}", "--read", "warm"],
         "argument --read: invalid choice"),
        (["--quiet", "--verbose"], "not allowed with argument"),
        (["--model", "lstm", "--vocab-size", "8", "--dataset", "csv:{csv}"],
         "--vocab-size does not apply to lstm"),
        (["--model", "vqlnmlp", "--lr", "0", "--dataset", "csv:{csv}"],
         "`lr` must be a number > 0. Received: lr=0.0"),
        (["--model", "mhvqlnmlp", "--d-model", "10", "--n-head", "4",
          "--dataset", "csv:{csv}"],
         "`n_head` must divide the feature size D=10. Received: n_head=4"),
        (["--model", "vqlnmlp", "--vocab-size", "0", "--dataset", "csv:{csv}"],
         "`vocab_size` must be an integer in [1, 2147483647]. Received: "
         "vocab_size=0"),
        (["--model", "cachevq", "--sizes", "64,32", "--dataset", "csv:{csv}"],
         "strictly increase"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    train_recipe, capsys, tmp_path, csv, args, message
):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,v\n0,1\n1,x\n"
                   + "".join(f"{i},{i}\n" for i in range(2, 200)))
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
    assert ("| File | Loss | val_mse_next | params | backend | wall_s |"
            in printed)
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


def _help_of(parser, option):
    action = next(a for a in parser._actions if option in a.option_strings)
    return " ".join(action.help.split())


def test_help_states_the_registry_defaults(train_recipe):
    from kzoo import models

    parser = train_recipe.parser()
    for key in models.HYPERPARAMETERS:
        text = _help_of(parser, "--" + key.replace("_", "-"))
        for value, names in models.defaults_of(key).items():
            shown = train_recipe._show(value)
            if len(names) < len(models.available()):
                assert f"{shown} for {', '.join(names)}" in text, key
            else:
                assert f"(default: {shown}" in text, key
    text = _help_of(parser, "--time-steps")
    assert "112 for cachevqmixer, lstm, mhcachevqmixer, mhvqmixer, vqmixer" \
        in text
    assert "96 for cachevq" in text
    assert "0.003 for cachevqmixer" in _help_of(parser, "--lr")
    assert "0.001 for linear, persistence" in _help_of(parser, "--lr")


@pytest.mark.slow
def test_help_explains_every_flag():
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "train.py"), "--help"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    for flag in ("--model", "--dataset", "--time-steps", "--lr", "--epochs",
                 "--batch-size", "--vocab-size", "--d-model", "--n-head",
                 "--sizes", "--order", "--pe", "--read",
                 "--train-codebook", "--split", "--seed", "--out", "--quiet",
                 "--verbose"):
        assert flag in result.stdout


@pytest.mark.slow
def test_command_line_error_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "train.py"),
         "--model", "nope", "--out", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: argument --model: invalid choice: 'nope'")
    assert not (tmp_path / "runs").exists()
