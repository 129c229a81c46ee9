import json
import os

import pytest

from kzoo.eval import report


def _fake_run(root, name, values, val_loss, regressive=None):
    d = os.path.join(root, name, "2024-01-01-00-00-00")
    os.makedirs(d)
    config = {"name": name, "model": values.pop("model"), "hparams": values,
              "dataset_name": "y_w"}
    json.dump(config, open(os.path.join(d, "config.json"), "w"))
    json.dump({"train_loss": val_loss / 2, "val_loss": val_loss,
               "val_mse_next": val_loss},
              open(os.path.join(d, "metrics.json"), "w"))
    if regressive is not None:
        json.dump({"batch": {"mse": regressive / 10},
                   "regressive": {"mse": regressive}},
                  open(os.path.join(d, "metrics_y_w.json"), "w"))


@pytest.fixture
def runs(tmp_path):
    grid = [  # (vocab, lr) -> val_loss; ranks by val_loss 1..4
        ((32, 0.01), 0.4), ((64, 0.01), 0.1), ((32, 0.001), 0.3),
        ((64, 0.001), 0.2),
    ]
    for i, ((vocab, lr), loss) in enumerate(grid):
        values = {"model": "vqlnmlp", "vocab_size": vocab, "lr": lr,
                  "epochs": 50}
        _fake_run(str(tmp_path), f"run{i}", values, loss,
                  regressive=loss * 3)
    os.makedirs(tmp_path / "run9" / ".partial-abc")
    return str(tmp_path)


def test_table_sorted_by_metric(runs):
    rows = report.sort_runs(report.collect_runs(runs), "Final/val_loss")
    assert [r["name"] for r in rows] == ["run1", "run3", "run2", "run0"]
    table = report.runs_table(rows, top=2).splitlines()
    assert table[0] == ("| Model | Predict/mse_regressive | "
                        "Predict/mse_batch | Final/train_loss | "
                        "Final/val_loss | Status |")
    assert len(table) == 4
    assert table[2] == "| run1 | 0.3 | 0.03 | 0.05 | 0.1 | complete |"


def test_average_ranks_by_hand(runs):
    rows = report.collect_runs(runs)
    assert report.varying_keys(rows) == ["lr", "vocab_size"]
    k1 = report.average_ranks(rows, "Final/val_loss", 1)
    # ranks: run1 (64, .01)=1, run3 (64, .001)=2, run2 (32, .001)=3, run0=4
    assert k1 == [("vocab_size=64", 1.5, 2), ("lr=0.001", 2.5, 2),
                  ("lr=0.01", 2.5, 2), ("vocab_size=32", 3.5, 2)]
    k2 = report.average_ranks(rows, "Final/val_loss", 2)
    assert k2[0] == ("lr=0.01, vocab_size=64", 1.0, 1) and len(k2) == 4
    assert report.average_ranks(rows, "Final/val_loss", 3) == []


def test_models_without_a_hyperparameter_do_not_count(runs, tmp_path):
    _fake_run(runs, "lstm0", {"model": "lstm", "lr": 0.01, "epochs": 50}, 0.05)
    k1 = dict((label, (mean, n)) for label, mean, n in report.average_ranks(
        report.collect_runs(runs), "Final/val_loss", 1))
    assert "vocab_size=-" not in k1
    assert k1["model=lstm"] == (1.0, 1)
    assert k1["lr=0.01"] == (pytest.approx(8 / 3), 3)  # ranks 1, 2, 5


def test_unknown_metric(runs):
    with pytest.raises(ValueError, match="valid: Predict/mse_regressive"):
        report.sort_runs(report.collect_runs(runs), "loss")


def test_report_recipe(runs, capsys, tmp_path):
    from helpers import load_recipe

    recipe = load_recipe("report")
    png = str(tmp_path / "top.png")
    assert recipe.cli([runs, "--plot", png]) == 0
    out = capsys.readouterr().out
    assert "4 runs sorted by Predict/mse_regressive" in out
    assert "## Average rank, k = 2" in out
    assert os.path.getsize(png) > 0
    assert recipe.cli([str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.startswith("error: no such directory")


def test_damaged_and_diverged_runs(runs, capsys):
    from helpers import load_recipe

    bad = os.path.join(runs, "broken", "2024-01-01-00-00-00")
    os.makedirs(bad)
    open(os.path.join(bad, "config.json"), "w").write("[1, 2]")
    open(os.path.join(bad, "metrics.json"), "w").write("{}")
    diverged = os.path.join(runs, "run0", "2024-01-01-00-00-00")
    json.dump({"status": "diverged", "epochs": 2, "val_loss": None,
               "train_loss": None, "val_mse_next": None},
              open(os.path.join(diverged, "metrics.json"), "w"))
    skipped = []
    rows = report.collect_runs(runs, on_skip=skipped.append)
    assert len(rows) == 4 and len(skipped) == 1
    assert skipped[0].startswith(f"skipped {bad}: ")
    assert "is damaged: it holds a list" in skipped[0]
    table = report.runs_table(report.sort_runs(rows, "Final/val_loss"))
    assert "| run0 | 1.2 | 0.12 | - | - | diverged at epoch 2 |" in table
    recipe = load_recipe("report")
    assert recipe.cli([runs, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("warning: skipped ")
    assert "diverged at epoch 2" in captured.out
