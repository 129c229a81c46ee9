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


def _lag_results(models, tuning):
    rows = [{"model": m, "x": 8, "seed": 0, "nmse": 0.06, "params": 10}
            for m in models]
    return {"task": "lag", "floor": 0.0591, "seeds": 1, "epochs": 50,
            "models": models, "rows": rows, "peers": [], "tuning": tuning,
            "settings": {"a": 0.97}, "overrides": {}}


def test_the_header_gives_the_epochs_that_ran():
    tuned = [{"model": "lstm", "x": 8, "lr": 0.003, "epochs": 30,
              "kept": 18, "score": 0.06, "chosen": True}]
    only = report.section(_lag_results(["lstm"], tuned))
    assert "1 seed(s), epochs chosen on validation (below)" in only
    assert "50 epoch" not in only
    both = report.section(_lag_results(["vqcache", "lstm"], tuned))
    assert "1 seed(s), 50 epoch(s) (the LSTM's chosen below)" in both
    untuned = report.section(_lag_results(["vqcache"], []))
    assert "1 seed(s), 50 epoch(s);" in untuned
