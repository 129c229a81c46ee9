"""The vocabulary study: the variant mapping, a cell, the report, the recipe."""
import os

from kzoo.benchmarks.study import report


def _cells():
    def runs(base):
        return [{"seed": s, "val_mse_next": base * (1 + s / 10),
                 "mse_regressive": 100 * base, "recall_k": 8 * (s + 1),
                 "params": 10, "s_per_epoch": 0.1} for s in range(2)]
    cells = []
    for variant in ("flat", "product2"):
        for vocab in (32, 1024):
            cells.append({"family": "mixer", "variant": variant,
                          "vocab": vocab, "effective_vocab": vocab,
                          "rows": vocab, "step_ms": 1.5,
                          "runs": runs(0.01 * (2 if variant == "flat" else 1))})
    cells.append({"family": "mixer", "variant": "flat", "vocab": 2**20,
                  "effective_vocab": 2**20, "rows": 2**20,
                  "skipped": "one run would take ~40 min (> 10)"})
    return cells



def test_tables_variants_by_vocabulary_with_the_lstm_line():
    reference = {"runs": [{"val_mse_next": 0.015, "mse_regressive": 2.0,
                           "recall_k": 32}]}
    lines = report.table(_cells(), "mixer", "val_mse_next",
                               reference).splitlines()
    assert lines[0] == "| variant \\ effective vocabulary | 2^5 | 2^10 | 2^20 |"
    assert lines[2] == ("| 1: flat | 0.021 ± 0.001 | 0.021 ± 0.001 | "
                        "skipped: one run would take ~40 min (> 10) |")
    assert lines[3].startswith("| 2: product, 2 heads | 0.0105 ± 0.0005 |")
    assert lines[-1] == ("| LSTM (reference settings) | 0.015 | 0.015 | "
                         "0.015 |")
    recall = report.table(_cells(), "mixer", "recall_k", reference)
    assert "| 1: flat | 12 ± 4 | 12 ± 4 | - |" in recall
    text = report.study_markdown(_cells(), reference,
                                       ["per-token", "mixer"])
    assert "the per-token models see one time step" in text
    # The logistic map measures the per-token family only.
    mixer = text.split("## mixer family")[1]
    assert "logistic map" not in mixer
    assert "### steps fed back within NRMSE 0.1 on the logistic map" in (
        text.split("## mixer family")[0])


def test_the_logistic_tables_of_the_per_token_family():
    cells = [{"family": "per-token", "variant": "flat", "vocab": v,
              "effective_vocab": v, "rows": v,
              "runs": [{"seed": s, "logistic_nmse": nmse,
                        "logistic_horizon": h} for s in range(2)]}
             for v, nmse, h in ((32, 1e-3, 4), (1024, 1e-5, 7))]
    reference = {"runs": [{"logistic_nmse": 2e-4, "logistic_horizon": 5}]}
    lines = report.table(cells, "per-token", "logistic_horizon",
                         reference).splitlines()
    assert lines[2] == "| 1: flat | 4 | 7 |"
    assert lines[-1] == "| LSTM (reference settings) | 5 | 5 |"
    lines = report.table(cells, "per-token", "logistic_nmse").splitlines()
    assert lines[2] == "| 1: flat | 0.001 | 1e-05 |"



def test_plots(tmp_path):
    reference = {"runs": [{"val_mse_next": 0.015, "mse_regressive": 2.0,
                           "recall_k": 32}]}
    for path in report.plots(str(tmp_path / "s"), _cells(), reference,
                                   ["mixer"]):
        assert os.path.getsize(path) > 0


def test_the_recall_curve_tables_of_the_recalling_families(tmp_path):
    cells = [{"family": "cache", "variant": "flat", "vocab": v,
              "effective_vocab": v, "rows": v,
              "runs": [{"seed": s, "recall_k": 256,
                        "recall_nmse_256": nmse + s / 1000,
                        "recall_nmse_1024": 2 * nmse} for s in range(2)]}
             for v, nmse in ((32, 0.08), (256, 0.09))]
    assert report.recall_lags(cells, "cache") == [256, 1024]
    assert report.recall_lags(cells, "mixer") == []
    assert report.quality_measures(cells, "cache") == [
        "val_mse_next", "mse_regressive", "recall_k", "recall_nmse_256",
        "recall_nmse_1024"]
    assert "recall_nmse_256" not in report.quality_measures(cells,
                                                            "per-token")
    reference = {"runs": [{"recall_nmse_256": 0.98}]}
    lines = report.table(cells, "cache", "recall_nmse_256",
                         reference).splitlines()
    assert lines[2] == "| 1: flat | 0.0805 ± 0.0005 | 0.0905 ± 0.0005 |"
    assert lines[-1] == "| LSTM (reference settings) | 0.98 | 0.98 |"
    text = report.study_markdown(cells, reference, ["cache"])
    assert "### recall NMSE at lag K = 1024 (floor 0.059)" in text
    assert "the per-token models see one time step" not in text
    for path in report.plots(str(tmp_path / "s"), cells, reference,
                             ["cache"]):
        assert os.path.getsize(path) > 0



def test_the_window_task_tables_with_their_peers(tmp_path):
    cells = [{"family": "mixer", "variant": "flat", "vocab": v,
              "effective_vocab": v, "rows": v,
              "runs": [{"seed": 0, "content_nmse": c, "taylor_nmse": 0.004}]}
             for v, c in ((32, 0.9), (1024, 0.2))]
    assert report.quality_measures(cells, "mixer")[-2:] == [
        "content_nmse", "taylor_nmse"]
    # Not measured (an older study): no table.
    assert "content_nmse" not in report.quality_measures(
        [{**cells[0], "runs": [{"seed": 0}]}], "mixer")
    assert "content_nmse" not in report.quality_measures(cells, "per-token")
    assert report.heading("content_nmse") == (
        "content-addressed recall NMSE, W = 64 (exact copies, floor 0)")
    assert report.heading("taylor_nmse", {"taylor": {"lookback": 48}}) == (
        "Taylor NMSE, held-out two weeks, lookback T = 48")
    peers = {"taylor_nmse": {"least-squares AR": 0.0009,
                             "seasonal naive (a week back)": 0.014}}
    lines = report.table(cells, "mixer", "taylor_nmse", None,
                         peers["taylor_nmse"]).splitlines()
    assert lines[-2:] == ["| least-squares AR | 0.0009 | 0.0009 |",
                          "| seasonal naive (a week back) | 0.014 | 0.014 |"]
    text = report.study_markdown(cells, None, ["mixer"], peers)
    assert "| 1: flat | 0.9 | 0.2 |" in text
    for path in report.plots(str(tmp_path / "s"), cells, None, ["mixer"],
                             peers):
        assert os.path.getsize(path) > 0
