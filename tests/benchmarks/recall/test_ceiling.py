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


def test_exact_recurrences_the_exact_read_and_codes_buy_recall(tmp_path):
    """With exact copies (a = 1) the exact read finds every source (NMSE
    0, the floor), and a hard-VQ cache's read improves with its codes."""
    out = str(tmp_path / "c")
    results = ceiling.sweep([64], [4, 64, 1024], [1], log=lambda *a: None,
                            a=1.0)
    assert results[64, "exact"] < 1e-10
    reads = [results[64, (1, s)] for s in (4, 64, 1024)]
    assert reads[0] > reads[1] > reads[2] and reads[2] < 0.1
    text = ceiling.write(out, results, [64], [4, 64, 1024], [1], a=1.0)
    page = open(os.path.join(out, "ceiling.md")).read()
    assert "Recurrences exact (a = 1); floor 0.0000." in page
    assert page.endswith(text + "\n")
    assert os.path.getsize(os.path.join(out, "ceiling.png")) > 0
