import numpy as np
import pytest

from kzoo.benchmarks.recall import measure

from helpers import load_recipe


def test_recall_series_depends_on_the_lag():
    series = measure.recall_series(16, length=4000)
    x = series.values
    assert abs(x.std() - 1) < 0.15
    lag = np.corrcoef(x[16:], x[:-16])[0, 1]
    near = np.corrcoef(x[1:], x[:-1])[0, 1]
    assert lag > 0.9 and abs(near) < 0.2


def test_longest_recall():
    rows = [{"model": "a", "lag": 8, "nmse": 0.05},
            {"model": "a", "lag": 16, "nmse": 0.2},
            {"model": "b", "lag": 8, "nmse": 0.5}]
    assert measure.longest_recall(rows) == {"a": 8, "b": 0}


@pytest.mark.slow
def test_recall_recipe_tables(tmp_path, capsys):
    recipe = load_recipe("recall")
    out = tmp_path / "m"
    assert recipe.cli(["--model", "vqlnmlp", "--lags", "8,12", "--epochs",
                       "1", "--out", str(out)]) == 0
    text = (out / "recall.md").read_text()
    assert "| model | params | largest K with NMSE < 0.1 | K=8 | K=12 |" in text
    assert "| vqlnmlp | 41 |" in text
    # Recall runs split chronologically and know their window length.
    runs = sorted(p for p in (out / "recall").glob("*/*") if p.is_dir())
    assert len(runs) == 2 and all("chrono" in str(p) for p in runs)
    assert recipe.cli(["--model", "gru", "--out", str(out)]) == 2
    assert "invalid choice: 'gru'" in capsys.readouterr().err
