"""The content task's ceiling sweep: its numbers, table and plot."""

import os

from kzoo.benchmarks.recall import ceiling


def test_the_sweep_writes_its_table_and_plot(tmp_path):
    out = str(tmp_path / "c")
    results = ceiling.sweep([32], [1, 16], [1, 2], log=lambda *a: None)
    assert set(results) == {(32, "exact"), (32, (1, 1)), (32, (1, 16)),
                            (32, (2, 1)), (32, (2, 16))}
    # One code reads the window's mean; the exact read finds the source.
    assert results[32, (1, 1)] > 0.8 > 0.3 > results[32, "exact"]
    text = ceiling.write(out, results, [32], [1, 16], [1, 2])
    assert open(os.path.join(out, "ceiling.md")).read().endswith(
        text + "\n")
    assert f"| nearest key (exact read) | {results[32, 'exact']:.3f} |" \
        in text
    assert "| hard VQ, S=16 per head, H=2 (S^H=256) |" in text
    assert os.path.getsize(os.path.join(out, "ceiling.png")) > 0
