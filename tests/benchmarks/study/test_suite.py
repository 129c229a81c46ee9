"""The vocabulary study's suite: reuse, refusal, failures, locks."""
import json
import threading

import pytest

from kzoo import storage
from kzoo.benchmarks.study import suite
from kzoo.errors import DataError

from .fakes import FakeChild
from .fakes import result

QUICK_CELL = {"recall_lags": [8], "recall_epochs": 1, "horizon": 20}


@pytest.fixture
def fake(monkeypatch):
    return FakeChild(monkeypatch)


def _study(out, lines=None, variants=("flat",), vocabs=(32,), seeds=1,
           **options):
    log = (lines.append if lines is not None else (lambda *a: None))
    return suite.run_study(["mixer"], list(variants), list(vocabs), seeds,
                           str(out), log=log, **options)


def test_a_killed_cell_is_measured_again(tmp_path, fake):
    fake.kill = {"mixer_flat_32"}
    lines = []
    text = _study(tmp_path, lines, epochs=2)
    assert "| 1: flat | skipped: failed: killed by SIGKILL |" in text
    saved = json.loads((tmp_path / "cells" / "mixer_flat_32.json")
                       .read_text())
    assert saved["failed"] == "killed by SIGKILL"
    assert any("failed (killed by SIGKILL)" in line for line in lines)
    fake.kill, fake.measured, lines = set(), [], []
    text = _study(tmp_path, lines, epochs=2)
    assert fake.measured == ["mixer_flat_32"]  # the reference was reused
    assert any(line.endswith("measuring again: its last measurement "
                             "failed: killed by SIGKILL") for line in lines)
    reference = str(tmp_path / "cells" / "reference.json")
    assert f"done before, reused from {reference}" in "\n".join(lines)
    assert "| 1: flat | 0.02 |" in text
    fake.measured = []
    _study(tmp_path, epochs=2)
    assert fake.measured == []


def test_a_result_measured_otherwise_is_refused(tmp_path, fake):
    _study(tmp_path, epochs=1, quick=QUICK_CELL)  # as --quick does
    with pytest.raises(DataError) as refused:  # the LSTM of 1 epoch
        _study(tmp_path, measure=False)
    message = str(refused.value)
    assert "mixer_flat_32.json was measured with 1 epoch," in message
    assert "recall lags [8] of 1 epoch and horizon 20; this command " \
        "asks for " in message and "horizon to the end of the series" \
        in message
    with pytest.raises(DataError, match="recall lags"):
        _study(tmp_path, epochs=1, vocabs=(32, 64))  # no --quick
    with pytest.raises(DataError, match="seeds"):
        _study(tmp_path, epochs=1, quick=QUICK_CELL, seeds=2)
    fake.measured = []
    lines = []
    _study(tmp_path, lines, epochs=1, quick=QUICK_CELL, vocabs=(32, 64))
    assert fake.measured == ["mixer_flat_64"]
    assert sum("reused from" in line for line in lines) == 2


def test_a_skip_by_the_limit_is_measured_again_under_another(tmp_path, fake):
    fake.skip_under = 1.0
    text = _study(tmp_path, limit_s=0.006)
    assert "skipped: one run would take" in text
    fake.measured = []
    _study(tmp_path, limit_s=0.006)
    assert fake.measured == []
    lines = []
    text = _study(tmp_path, lines, limit_s=600)
    assert fake.measured == ["mixer_flat_32"]
    assert "measuring again: skipped under a limit of 0.0001 min, this " \
        "command's limit is 10 min" in "\n".join(lines)
    assert "| 1: flat | 0.02 |" in text


@pytest.mark.parametrize("content", ["[]", "{}", '"cell"', "{not json"])
def test_a_damaged_cell_is_measured_again(tmp_path, fake, content):
    cells = tmp_path / "cells"
    cells.mkdir()
    (cells / "mixer_flat_32.json").write_text(content)
    lines = []
    text = _study(tmp_path, lines)
    said = [line for line in lines if "damaged" in line]
    assert len(said) == 1 and "measuring again" in said[0]
    assert "mixer_flat_32" in fake.measured
    assert "| 1: flat | 0.02 |" in text


def test_a_cell_held_by_another_study_is_read_once_it_is_done(tmp_path,
                                                              fake):
    cells = tmp_path / "cells"
    path = cells / "mixer_flat_32.json"
    lock = storage.FileLock(str(cells / "mixer_flat_32.lock"))
    lock.__enter__()  # the other study measures this cell

    def other_study_finishes():
        # A cell's config of this study, once it has moved on.
        config = next(c for c in reversed(fake.configs)
                      if not c.get("reference"))
        storage.write_json(str(path), result({**config, "variant": "flat",
                                              "vocab": 32}, value=0.0123))
        lock.__exit__(None, None, None)

    lines = []
    lines_append = lines.append

    def log(line):
        lines_append(line)
        if "waiting for the other study" in line:
            threading.Timer(0.3, other_study_finishes).start()

    text = suite.run_study(["mixer"], ["flat", "product2"], [32], 1,
                           str(tmp_path), log=log)
    assert "mixer_flat_32" not in fake.measured
    assert "mixer_product2_32" in fake.measured
    assert "| 1: flat | 0.0123 |" in text and "RunBusy" not in text
    assert any("another process (pid" in line for line in lines)
    assert any("measured by another study, reused from" in line
               for line in lines)


def test_a_relative_out_is_resolved_before_the_children(tmp_path, fake,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    _study("rel", epochs=1)
    for config in fake.configs:
        assert config["out"] == str(tmp_path / "rel" / "runs")
        assert config["jax_cache"] == str(tmp_path / "rel" / ".jax_cache")
    assert fake.caches == [str(tmp_path / "rel" / ".jax_cache")]
    assert (tmp_path / "rel" / "study.md").exists()
