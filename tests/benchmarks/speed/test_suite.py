"""recipes/bench.py --quick: the structure of its output, not its speed."""

import json
import os

import keras
import pytest

from helpers import ONCE
from helpers import ROOT
from helpers import load_recipe


@pytest.mark.slow
def test_quick_bench_writes_every_table(tmp_path, capsys):
    recipe = load_recipe("bench")
    out = tmp_path / "bench"
    assert recipe.cli(["--quick", "--out", str(out),
                       "--context-tokens", "64"]) == 0
    printed = capsys.readouterr().out
    for name in ("throughput", "reference", "profile", "scaling", "rollout"):
        table = (out / f"{name}.md").read_text().splitlines()
        assert table[0].startswith("| backend |"), name
        assert len(table) >= 3, name
        assert f"## {name}" in printed
    assert "reference wall s" in (out / "reference.md").read_text()
    assert os.path.getsize(out / "scaling.png") > 0
    assert os.path.getsize(out / "context.png") > 0
    context = (out / "context.md").read_text()
    assert "| lstm | 32 |" in context and "| lstm | 64 |" in context
    # Timed again in passes of 64 tokens: 16 of 2 sequences at T = 32.
    assert "| lstm, passes of 64 tokens | 32 |" in context
    results = json.loads((out / "results.json").read_text())
    assert [r["backend"] for r in results] == [keras.backend.backend()]
    rows = results[0]["scaling"]
    for row in rows:
        assert row["params"] > 0 and row["step_ms"] > 0
        assert row["forward_ms"] > 0 and row["peak_rss_mb"] > 0
    # Flat read at once and in chunks (of 256 rows: 2^10 in four), heads.
    assert [(r["n_head"], r["read_chunk"]) for r in rows] == [
        (1, None), (1, 256), (2, None), (4, None)]
    scaling = (out / "scaling.md").read_text()
    assert "| flat, chunks of 256 |" in scaling and "| 2 heads |" in scaling
    assert (out / f"{keras.backend.backend()}.log").exists()
    assert results[0]["rollout"][0]["steps_per_s"] > 0
    # Each reference run beside the plain-PyTorch loop, in the same worker
    # (torch is installed in every matrix environment), and a long one.
    reference = results[0]["reference"]
    assert [(r["model"], r["time_steps"]) for r in reference] == [
        ("vqlnmlp", 96), ("vqlnmlp", 64)]
    for row in reference:
        assert row["plain_wall_s"] > 0
        assert row["ratio"] == pytest.approx(row["wall_s"]
                                             / row["plain_wall_s"])
        assert row["profile"]["epochs"] == 1
    assert "| kzoo / plain |" in (out / "reference.md").read_text()
    assert "| first-epoch excess (compile) |" in (
        out / "profile.md").read_text()


def test_bad_section(tmp_path, capsys):
    recipe = load_recipe("bench")
    assert recipe.cli(["--sections", "speedy", "--out", str(tmp_path)]) == 2
    assert "unknown section(s) speedy" in capsys.readouterr().err
    assert recipe.cli(["--memory-limit-gb", "-1", "--out", str(tmp_path)]) == 2
    assert "--memory-limit-gb must be > 0" in capsys.readouterr().err
    assert recipe.cli(["--context-tokens", "0", "--out", str(tmp_path)]) == 2
    assert "--context-tokens must be >= 1, got 0" in capsys.readouterr().err
    assert not os.listdir(tmp_path)  # refused before anything is written


@ONCE
@pytest.mark.slow
def test_reference_runs_are_timed_anew_under_a_relative_out(tmp_path,
                                                           monkeypatch,
                                                           capsys):
    recipe = load_recipe("bench")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = set(os.listdir(ROOT))
    argv = ["--quick", "--sections", "reference", "--out", "rel"]
    run_dirs = []
    for _ in range(2):
        assert recipe.cli(argv) == 0
        results = json.loads((elsewhere / "rel" / "results.json").read_text())
        run_dirs.append(results[0]["reference"][0]["run_dir"])
    assert "already finished" not in capsys.readouterr().out
    # Two runs, both kept, in the caller's directory, not the checkout.
    assert run_dirs[0] != run_dirs[1]
    for run_dir in run_dirs:
        assert run_dir.startswith(str(elsewhere / "rel" / "runs"))
        assert os.path.isfile(os.path.join(run_dir, "metrics.json"))
    assert set(os.listdir(ROOT)) == before
    assert "timed anew" in recipe.parser().format_help()


@ONCE
@pytest.mark.slow
def test_a_failed_worker_points_to_its_log(tmp_path):
    from kzoo.benchmarks.speed import suite

    with pytest.raises(RuntimeError) as failed:
        suite.run_backend("torch", {"dataset": str(tmp_path / "none.csv")},
                          str(tmp_path / "torch.log"))
    message = str(failed.value)
    assert message.startswith("torch benchmark failed: exit code 1")
    assert message.endswith(f"(see {tmp_path / 'torch.log'})")
