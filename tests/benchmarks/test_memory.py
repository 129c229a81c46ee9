import numpy as np
import pytest

from kzoo.benchmarks import memory

from helpers import load_recipe


def test_recall_series_depends_on_the_lag():
    series = memory.recall_series(16, length=4000)
    x = series.values
    assert abs(x.std() - 1) < 0.15
    lag = np.corrcoef(x[16:], x[:-16])[0, 1]
    near = np.corrcoef(x[1:], x[:-1])[0, 1]
    assert lag > 0.9 and abs(near) < 0.2


def test_longest_recall():
    rows = [{"model": "a", "lag": 8, "nmse": 0.05},
            {"model": "a", "lag": 16, "nmse": 0.2},
            {"model": "b", "lag": 8, "nmse": 0.5}]
    assert memory.longest_recall(rows) == {"a": 8, "b": 0}


@pytest.mark.slow
def test_memory_recipe_tables(tmp_path, capsys):
    recipe = load_recipe("memory")
    out = tmp_path / "m"
    assert recipe.cli(["--model", "vqlnmlp", "--lags", "8", "--epochs", "1",
                       "--sections", "recall,laser", "--out", str(out)]) == 0
    text = (out / "memory.md").read_text()
    assert "| vqlnmlp | 41 |" in text and "NMSE 1001-1100" in text
    assert recipe.cli(["--model", "gru", "--out", str(out)]) == 2
    assert "unknown model" in capsys.readouterr().err
