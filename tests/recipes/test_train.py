import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from datafiles import smooth_series
from datafiles import write_csv
from helpers import ONCE
from helpers import ROOT


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
        (["--model", "vqlnmlp", "--vocab-size", "2147483648",
          "--dataset", "csv:{csv}"], "vocab_size=2147483648"),
        (["--model", "vqlnmlp", "--vocab-size", "1073741824", "--d-model",
          "4096", "--dataset", "csv:{csv}"],
         "the codebook tables need 1.64e+04 GiB, more than half"),
        (["--dataset", "csv:{huge}"], "values as large as 7e+300"),
        (["--dataset", "csv:{text}"], "which csv: takes as the time axis"),
        (["--dataset", "csv:{units}"], "non-numeric or missing values at "
         "line(s) 2"),
        (["--dataset", "csv:{latin}"], "give its encoding, e.g. --encoding"),
        (["--dataset", "csv:{csv}", "--encoding", "klingon"],
         "unknown text encoding 'klingon'"),
        (["--model", "cachevq", "--sizes", "64,32", "--dataset", "csv:{csv}"],
         "strictly increase"),
        (["--model", "vqmixer", "--read-chunk", "half",
          "--dataset", "csv:{csv}"],
         "argument --read-chunk: expected none, auto or a row count, got "
         "'half'"),
        (["--model", "vqmixer", "--read-chunk", "0",
          "--dataset", "csv:{csv}"], "read_chunk"),
        (["--model", "linear", "--noise", "1.5", "--dataset", "csv:{csv}"],
         "argument --noise: `noise` must be a number >= 0 and <= 1.0. "
         "Received: noise=1.5"),
        (["--model", "vqridge", "--vocab-size", "5000",
          "--dataset", "csv:{csv}"],
         "vocab_size=5000 of vqridge exceeds the 96 training windows"),
        (["--model", "vqridge", "--vocab-size", "100000000000",
          "--dataset", "csv:{csv}"], "vocab_size=100000000000"),
        (["--model", "linear", "--dataset", "csv:{flat}"],
         "the series is constant"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    train_recipe, capsys, tmp_path, csv, args, message
):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,v\n0,1\n1,x\n"
                   + "".join(f"{i},{i}\n" for i in range(2, 200)))
    files = {"csv": csv, "bad": bad}
    for name, rows in (
        ("huge", [f"{i},{(1 + i % 7) * 1e300}" for i in range(200)]),
        ("text", [f"{i},ppm" for i in range(200)]),
        ("units", ["h,ug/m3"] + [f"{i},{i % 9}" for i in range(200)]),
        ("flat", [f"{i},5" for i in range(200)]),
    ):
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text("t,v\n" + "\n".join(rows) + "\n")
    files["latin"] = tmp_path / "latin.csv"
    files["latin"].write_bytes("t,\xb5g\n".encode("latin-1") + "".join(
        f"{i},{i % 9}\n" for i in range(200)).encode())
    out = tmp_path / "runs"
    args = [a.format(**files) for a in args]
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
    assert ("| File | Loss | val_mse_next | params | backend | wall_s | "
            "status |" in printed)
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


def test_read_chunk_flag(train_recipe):
    parse = train_recipe.parser().parse_args
    assert parse(["--read-chunk", "auto"]).read_chunk == "auto"
    assert parse(["--read-chunk", "None"]).read_chunk is None
    assert parse(["--read-chunk", "4096"]).read_chunk == 4096
    args = parse(["--model", "vqmixer", "--read-chunk", "64"])
    assert train_recipe.overrides_for(args, ["lstm", "vqmixer"]) == {
        "lstm": {}, "vqmixer": {"read_chunk": 64}}


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


@ONCE
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


@ONCE
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


def test_encoding_gz_and_which_column(train_recipe, capsys, tmp_path):
    import gzip

    path = tmp_path / "y+w.csv.gz"
    with gzip.open(path, "wt", encoding="latin-1") as f:
        f.write("t,\xb5g/m3\n" + "".join(f"{i},{np.sin(i / 5)}\n"
                                          for i in range(120)))
    out = tmp_path / "runs"
    assert train_recipe.cli([
        "--model", "persistence", "--dataset", f"csv:{path}",
        "--encoding", "latin-1", "--time-steps", "16", "--quiet",
        "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (f"data: csv:{path} (column '\xb5g/m3' of {path}, "
                          "120 values, time axis 't')")
    (run,) = os.listdir(out / "persistence_y_w_ts16_lr0.001")
    config = json.load(open(out / "persistence_y_w_ts16_lr0.001" / run /
                            "config.json"))
    assert config["dataset_encoding"] == "latin-1"


def test_a_diverged_run_is_recorded_as_diverged(train_recipe, capsys,
                                                tmp_path, csv):
    out = tmp_path / "runs"
    assert train_recipe.cli([
        "--model", "linear", "--dataset", f"csv:{csv}", "--time-steps", "16",
        "--lr", "1e30", "--epochs", "5", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "diverged at epoch" in printed
    (run_dir,) = glob.glob(str(out / "linear_*" / "*"))
    text = open(os.path.join(run_dir, "metrics.json")).read()
    metrics = json.loads(text, parse_constant=lambda c: pytest.fail(c))
    assert metrics["status"] == "diverged"
    assert 1 <= metrics["epochs"] < 5
    assert metrics["val_loss"] is None and metrics["val_mse_next"] is None
    results = open(out / "results.md").read()
    assert f"| diverged at epoch {metrics['epochs']} |" in results


def test_a_bug_keeps_its_traceback_bad_input_is_one_line(
        train_recipe, monkeypatch, capsys, tmp_path, csv):
    # Only kzoo's UsageError, DataError, RunBusy and OSError are bad input
    # (exit 2, one line); any other exception is a bug inside kzoo and
    # leaves the recipe with its traceback (exit 1).
    from kzoo import data
    from kzoo.errors import UsageError

    args = ["--model", "persistence", "--dataset", f"csv:{csv}",
            "--out", str(tmp_path / "runs")]
    for error in (ValueError("a bug"), KeyError("a bug")):
        def load(*args, error=error):
            raise error

        monkeypatch.setattr(data, "load", load)
        with pytest.raises(type(error), match="a bug"):
            train_recipe.cli(args)

    def refuse(*args):
        raise UsageError("a bad\nflag")

    monkeypatch.setattr(data, "load", refuse)
    assert train_recipe.cli(args) == 2
    assert _errors(capsys) == "error: a bad flag"


RECIPES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT,
                                                                "recipes"))
                 if name.endswith(".py") and name != "__init__.py")


@ONCE
@pytest.mark.parametrize("recipe", RECIPES)
def test_an_unknown_backend_is_one_line(tmp_path, recipe):
    # kzoo checks KERAS_BACKEND before Keras loads: every recipe (and
    # every installed kzoo-* command) says so in one line, exit 2; a
    # program that imports kzoo gets a UsageError.
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", f"{recipe}.py"),
         "--out", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "KERAS_BACKEND": "bogus"},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: KERAS_BACKEND='bogus' is not a backend kzoo runs on; set it "
        "to one of: jax, torch, tensorflow"]
    assert not (tmp_path / "runs").exists()


@ONCE
def test_an_unknown_backend_is_a_usage_error_for_a_program(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import kzoo"], capture_output=True,
        text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "KERAS_BACKEND": "bogus"})
    assert result.returncode == 1
    assert "kzoo.errors.UsageError: KERAS_BACKEND='bogus'" in result.stderr
