"""recipes/recall.py: bad commands refused first, a quick run end to end."""

import json
import os

import pytest

from helpers import ONCE
from helpers import load_recipe


@pytest.mark.parametrize("argv,message", [
    (["--model", "linear", "--model", "linear"],
     "--model linear is given twice"),
    (["--model", "gru"], "invalid choice: 'gru'"),
    (["--lags", ""], "--lags must be a comma-separated list"),
    (["--lags", "8,,16"], "--lags must be a comma-separated list"),
    (["--lags", "8,x"], "--lags must be integers, got '8,x'"),
    (["--lags", "8.5"], "--lags must be integers"),
    (["--lags", "0,8"], "every value must be >= 1"),
    (["--lags", "8,8"], "--lags: 8 is given twice"),
    (["--lags", "8,8192"], "lag 8192: the lag task takes integer lags "
     "from 1 to 4096"),
    (["--task", "content", "--lags", "8"], "--lags is for --task lag"),
    (["--task", "content", "--window", "10"], "--window 10: the content"),
    (["--task", "taylor", "--lookbacks", "48,4000"],
     "too short for time_steps=4000"),
    (["--seeds", "0"], "--seeds and --epochs must be >= 1"),
    (["--epochs", "0"], "--seeds and --epochs must be >= 1"),
    (["--set", "bogus=1"], "unknown --set key(s) bogus: no model here has "
     "them; valid: "),
    (["--set", "time_steps=8"], "--set time_steps: the task sets the "
     "window length"),
    (["--set", "layers"], "argument --set: needs KEY=VALUE, got 'layers'"),
    (["--exact"], "--exact is for --task content or ceiling or codes, "
     "not --task lag"),
    (["--draws", "3"], "--draws is for --task ceiling, not --task lag"),
])
def test_bad_commands_are_refused_before_anything_trains(tmp_path, capsys,
                                                         argv, message):
    if "taylor" in argv:
        pytest.importorskip("pmdarima")
    out = tmp_path / "r"
    assert load_recipe("recall").cli(
        ["--model", "linear", "--out", str(out)] + argv
        if "--model" not in argv else ["--out", str(out)] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


@ONCE
@pytest.mark.slow
def test_quick_runs_write_tables_and_plots(tmp_path, capsys):
    pytest.importorskip("pmdarima")
    recipe = load_recipe("recall")
    out = tmp_path / "r"
    base = ["--quick", "--out", str(out), "--model", "linear"]
    assert recipe.cli(base + ["--model", "lstm", "--seeds", "2"]) == 0
    text = (out / "recall.md").read_text()
    assert "| model | params | largest K with NMSE < 0.1 | K=8 | K=16 |" in text
    assert "| least-squares AR | - |" in text and "| floor (1 - a²) |" in text
    assert "LSTM settings chosen on validation (lag K: settings): 8: lr=" \
        in text
    results = json.loads((out / "recall_lag.json").read_text())
    assert {(r["model"], r["x"], r["seed"]) for r in results["rows"]} == {
        (m, k, s) for m in ("linear", "lstm") for k in (8, 16)
        for s in (0, 1)}
    assert len(results["tuning"]) == 4  # 2 lrs x 1 epoch count x 2 lags
    assert (out / "recall_lag.png").stat().st_size > 10_000
    # Every run is a kzoo run, reused by the same command.
    capsys.readouterr()
    assert recipe.cli(base + ["--model", "lstm", "--seeds", "2"]) == 0
    # linear: 2 lags x 2 seeds; lstm: 2 lags x (2 candidates + seed 1).
    assert capsys.readouterr().out.count("(reused;") == 10
    # The other tasks add their sections.
    assert recipe.cli(base + ["--task", "content", "--seeds", "1"]) == 0
    assert recipe.cli(base + ["--task", "taylor", "--seeds", "1"]) == 0
    text = (out / "recall.md").read_text()
    assert "| model | params | all distances | d in [8, 16) |" in text
    assert "| seasonal naive (a week back) | - |" in text
    assert "| linear | 49-97 |" in text  # taylor: T + 1 weights, T=48, 96
    for task in ("lag", "content", "taylor"):
        assert (out / f"recall_{task}.png").is_file()


def test_set_reaches_every_model_that_has_the_key(tmp_path):
    recipe = load_recipe("recall")
    args = recipe.parser().parse_args(
        ["--model", "vqcache", "--model", "lstm", "--model", "linear",
         "--set", "convolution=false", "--set", "lr=0.01", "--epochs", "3",
         "--out", str(tmp_path)])
    plan = recipe.build(args)
    assert recipe.build(recipe.parser().parse_args([])).epochs == 50
    assert plan.candidates("vqcache") == [
        {"epochs": 3, "convolution": False, "lr": 0.01}]
    assert plan.candidates("linear") == [{"epochs": 3, "lr": 0.01}]
    # The LSTM's grid wins over --set where it tunes.
    grid = plan.candidates("lstm")
    assert len(grid) == 3 and {c["lr"] for c in grid} == {1e-3, 3e-3, 1e-2}
    assert {(c["epochs"], c["patience"]) for c in grid} == {(30, 5)}
    plan.check()
    assert not (tmp_path / "lag").exists()


@pytest.mark.parametrize("argv,message", [
    (["--codes", "0"], "--codes: every value must be >= 1"),
    (["--windows", "64,x"], "--windows must be integers"),
    (["--windows", "8"], "--window 8: the content task needs a window"),
    (["--heads", "9"], "--heads: at most the key's 8 values"),
    (["--window", "64"], "--window is for --task content or codes, not "
     "--task ceiling"),
    (["--model", "linear"], "--task ceiling trains no model"),
    (["--draws", "0"], "--draws must be >= 1, got 0"),
    (["--codes", "40000", "--windows", "32"], "num_codes=40000 exceeds"),
])
def test_bad_ceiling_commands_are_one_line_errors(tmp_path, capsys, argv,
                                                  message):
    out = tmp_path / "c"
    assert load_recipe("recall").cli(
        ["--task", "ceiling", "--out", str(out)] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_ceiling_sweep_runs_from_the_recipe(tmp_path, capsys):
    out = tmp_path / "c"
    assert load_recipe("recall").cli(
        ["--task", "ceiling", "--windows", "32", "--codes", "4",
         "--heads", "1", "--out", str(out), "--quiet"]) == 0
    assert "| hard VQ, S=4 |" in (out / "ceiling.md").read_text()
    assert (out / "ceiling.png").exists()
    assert "| nearest key (exact read) |" in capsys.readouterr().out


def test_the_ceiling_sweep_takes_exact_recurrences(tmp_path, capsys):
    out = tmp_path / "c"
    assert load_recipe("recall").cli(
        ["--task", "ceiling", "--exact", "--windows", "32", "--codes", "4",
         "--heads", "1", "--out", str(out), "--quiet"]) == 0
    assert "Recurrences exact (a = 1)" in (out / "ceiling.md").read_text()
    assert "| nearest key (exact read) | 0.000 |" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["--model", "vqcache"], "--task codes trains vqrecall only"),
    (["--set", "levels=4"], "--set levels: --codes sets it"),
    (["--set", "n_head=2"], "--set n_head: --heads sets it"),
    (["--set", "block_size=2"], "unknown --set key(s) block_size"),
    (["--heads", "1", "--codes", "16"], "no (--heads, --codes) pair is "
     "L^(key/H) codes for key 8: S=16 is not L^8"),
    (["--heads", "3"], "H=3 does not divide the key's 8 values"),
    (["--window", "10"], "--window 10: the content task needs a window"),
    (["--draws", "2"], "--draws is for --task ceiling, not --task codes"),
    (["--epochs", "0"], "--seeds and --epochs must be >= 1"),
])
def test_bad_codes_commands_are_one_line_errors(tmp_path, capsys, argv,
                                                message):
    out = tmp_path / "c"
    assert load_recipe("recall").cli(
        ["--task", "codes", "--out", str(out)] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_codes_sweep_trains_vqrecall_per_cell(tmp_path, capsys):
    out = tmp_path / "c"
    argv = ["--task", "codes", "--exact", "--window", "32", "--heads",
            "1,4", "--codes", "16,256", "--seeds", "1", "--out", str(out)]
    assert load_recipe("recall").cli(argv) == 0
    logged = capsys.readouterr().out
    # H=1 holds 256 = 2^8 codes only; H=4 both (L = 4 and 16).
    assert "H=1 S=16: not measured (S=16 is not L^8" in logged
    text = (out / "codes.md").read_text()
    # One epoch unless --epochs says otherwise (the other tasks: 50).
    assert "window W=32, recurrences exact, 1 seed(s), 1 epoch(s)" in text
    assert "| read | S=16 | S=256 |" in text
    assert "| `vqrecall`, H=1 | - |" in text
    results = json.loads((out / "codes.json").read_text())
    cells = {(c["heads"], c["codes"]): c for c in results["cells"]}
    assert sorted(cells) == [(1, 256), (4, 16), (4, 256)]
    assert cells[4, 256]["levels"] == 16
    for found in cells.values():
        assert 0 <= found["trained"][0] < 2 and len(found["ceiling"]) == 1
    # More codes per head recall better (exact recurrences, W = 32).
    assert cells[4, 256]["trained"][0] < cells[4, 16]["trained"][0]
    assert (out / "codes.png").stat().st_size > 10_000
    runs = os.listdir(out / "codes")
    assert len(runs) == 3 and all(r.startswith("vqrecall_") for r in runs)
    capsys.readouterr()
    assert load_recipe("recall").cli(argv) == 0  # every fit reused
    assert (out / "codes.md").read_text() == text
