"""The recall plot (tables: test_recipe.py)."""

from kzoo.benchmarks.recall import report
from kzoo.eval import plots


def test_a_peer_at_zero_is_named_not_drawn(tmp_path, monkeypatch):
    figures = []
    monkeypatch.setattr(plots, "save_figure",
                        lambda fig, path: figures.append(fig))
    results = {"task": "content", "floor": 0.0, "seeds": 1, "rows": [
        {"model": "m", "x": 64, "seed": 0, "nmse": 0.05,
         "bands": {16: 0.04, 32: 0.06}}], "peers": [
        {"model": "exact read", "x": 64, "nmse": 0.0,
         "bands": {16: 0.0, 32: 0.0}},
        {"model": "AR", "x": 64, "nmse": 1.0, "bands": {16: 1.0, 32: 1.0}}]}
    report.plot(results, str(tmp_path / "p.png"))
    labels = figures[0].axes[0].get_legend_handles_labels()[1]
    assert "exact read: 0 at every x (not drawn)" in labels
    assert "AR" in labels and "m" in labels
    assert not any(label.startswith("floor") for label in labels)
