"""Whether a study cell's saved result may be reused."""
import json

import pytest

from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import reuse
from kzoo.errors import DataError

from .fakes import result

CONFIG = {"family": "mixer", "variant": "flat", "vocab": 32, "seeds": [0],
          "epochs": 50, "limit_s": 600}


def _saved(tmp_path, cell):
    path = tmp_path / "cell.json"
    path.write_text(json.dumps(cell))
    return str(path)


def test_the_same_key_is_reused_and_another_is_refused(tmp_path):
    path = _saved(tmp_path, result(CONFIG))
    cell, why = reuse.verdict(path, CONFIG)
    assert cell["runs"] and why is None
    with pytest.raises(DataError) as refused:
        reuse.verdict(path, {**CONFIG, "seeds": [0, 1], "epochs": 1})
    assert str(refused.value) == (
        f"{path} was measured with seeds [0] and 50 epochs; this command "
        "asks for seeds [0, 1] and 1 epoch: give the same flags (--seeds, "
        "--epochs, --quick), or another --out")
    with pytest.raises(DataError, match="horizon 20"):
        reuse.verdict(path, {**CONFIG, "horizon": 20})
    old = result(CONFIG)
    del old["key"]
    with pytest.raises(DataError, match="earlier version"):
        reuse.verdict(_saved(tmp_path, old), CONFIG)
    assert reuse.verdict(str(tmp_path / "none.json"), CONFIG) == (None,
                                                                   None)


def test_a_cell_recorded_before_a_setting_was_added_is_reused(tmp_path):
    # The cache family's cells of session 23 hold no key_lag (added in
    # session 24 at 0, kzoo.models.history): the same model.
    config = {**CONFIG, "family": "cache", "vocab": 16}
    old = result(config)
    assert old["key"]["hparams"].pop("key_lag") == 0
    path = _saved(tmp_path, old)
    cell, why = reuse.verdict(path, config)
    assert cell["runs"] and why is None


def test_what_is_not_final_is_measured_again(tmp_path):
    failed = {**result(CONFIG), "failed": "killed by SIGKILL",
              "skipped": "failed: killed by SIGKILL"}
    del failed["runs"]
    cell, why = reuse.verdict(_saved(tmp_path, failed), CONFIG)
    assert why == "its last measurement failed: killed by SIGKILL"
    # A failure under other settings holds nothing to lose: measured again.
    cell, why = reuse.verdict(_saved(tmp_path, failed),
                              {**CONFIG, "epochs": 2})
    assert cell is None and "holds no measurement" in why
    skipped = {**result(CONFIG), "skipped": "one run would take ~40 min"}
    skipped["key"] = {**measure.result_key(CONFIG), "limit_s": 60}
    del skipped["runs"]
    path = _saved(tmp_path, skipped)
    assert reuse.verdict(path, {**CONFIG, "limit_s": 60})[1] is None
    assert "limit of 1 min, this command's limit is 10 min" in (
        reuse.verdict(path, CONFIG)[1])


def test_another_recall_series_is_named(tmp_path):
    cell = result(CONFIG)
    cell["key"]["recall"]["series"][0]["data_sha1"] = "0123456789abcdef"
    with pytest.raises(DataError) as refused:
        reuse.verdict(_saved(tmp_path, cell), CONFIG)
    assert "was measured with recall series ['0123456789abcdef', " in str(
        refused.value)


def test_the_lstm_is_measured_for_the_studys_families(tmp_path):
    both = {"reference": True, "seeds": [0], "epochs": 2}
    token = {**both, "reference_for": ["per-token"]}
    mixer = {**both, "reference_for": ["mixer"]}
    assert measure.result_key(token)["recall"] is None
    assert measure.result_key(token)["logistic"] is not None
    assert measure.result_key(mixer)["logistic"] is None
    assert measure.result_key(both) == measure.result_key(
        {**both, "reference_for": ["per-token", "mixer", "cache"]})
    # Measured for every family: reused by a study of one (the mixers'
    # lags are a part of the lags it was measured at).
    path = _saved(tmp_path, result(both))
    assert reuse.verdict(path, token)[1] is None
    assert reuse.verdict(path, mixer)[1] is None
    cache = {**both, "reference_for": ["cache"]}
    assert reuse.verdict(path, cache)[1] is None
    # ... but not at a lag it was not measured at.
    cell, why = reuse.verdict(path, {**cache, "recall_lags": [512]})
    assert cell is None and "measured again" in why
    # Measured for the mixers only: measured again for the per-token
    # family, not refused; another epoch count is still refused.
    path = _saved(tmp_path, result(mixer))
    cell, why = reuse.verdict(path, token)
    assert cell is None and "holds the LSTM measured for other families" \
        in why and "measured again, its finished runs reused" in why
    with pytest.raises(DataError, match="3 epochs"):
        reuse.verdict(path, {**token, "epochs": 3})


def test_a_cell_measured_without_a_window_task_is_measured_again(tmp_path):
    both = {**CONFIG, "window_tasks": ["content", "taylor"]}
    content = {**CONFIG, "window_tasks": ["content"]}
    # Measured before the window tasks (its key has none): extended, its
    # finished runs reused, not refused.
    path = _saved(tmp_path, result(CONFIG))
    cell, why = reuse.verdict(path, both)
    assert cell is None and "holds this cell measured (no window task; " \
        "this command needs window tasks content (2 epochs" in why
    assert why.endswith("measured again, its finished runs reused")
    # Measured with both: reused by a command that asks for fewer.
    path = _saved(tmp_path, result(both))
    for fewer in (CONFIG, content):
        assert reuse.verdict(path, fewer)[1] is None
    # With another content task: measured again; other epochs: refused.
    other = {**both, "window_task_overrides": {"content": {"window": 32}}}
    cell, why = reuse.verdict(path, other)
    assert cell is None and "measured again" in why
    with pytest.raises(DataError, match="2 epochs"):
        reuse.verdict(path, {**both, "epochs": 2})
