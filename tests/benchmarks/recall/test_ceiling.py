"""The content task's ceiling sweep: its numbers, table and plot."""

import os

import numpy as np

from kzoo.benchmarks.recall import ceiling


def test_the_sweep_writes_its_table_and_plot(tmp_path):
    out = str(tmp_path / "c")
    results = ceiling.sweep([32], [1, 16], [1, 2], log=lambda *a: None)
    assert set(results) == {(32, "exact"), (32, (1, 1)), (32, (1, 16)),
                            (32, (2, 1)), (32, (2, 16))}
    # One read per cell; one code reads the window's mean; the exact read
    # finds the source.
    assert all(len(reads) == 1 for reads in results.values())
    assert results[32, (1, 1)][0] > 0.8 > 0.3 > results[32, "exact"][0]
    text = ceiling.write(out, results, [32], [1, 16], [1, 2])
    assert open(os.path.join(out, "ceiling.md")).read().endswith(
        text + "\n")
    assert f"| nearest key (exact read) | {results[32, 'exact'][0]:.3f} |" \
        in text
    assert "| hard VQ, S=16 per head, H=2 (S^H=256) |" in text
    assert os.path.getsize(os.path.join(out, "ceiling.png")) > 0


def test_exact_recurrences_the_exact_read_and_codes_buy_recall(tmp_path):
    """With exact copies (a = 1) the exact read finds every source (NMSE
    0, the floor), and a hard-VQ cache's read improves with its codes."""
    out = str(tmp_path / "c")
    results = ceiling.sweep([64], [4, 64, 1024], [1], log=lambda *a: None,
                            a=1.0)
    assert results[64, "exact"][0] < 1e-10
    reads = [results[64, (1, s)][0] for s in (4, 64, 1024)]
    assert reads[0] > reads[1] > reads[2] and reads[2] < 0.1
    text = ceiling.write(out, results, [64], [4, 64, 1024], [1], a=1.0)
    page = open(os.path.join(out, "ceiling.md")).read()
    assert "Recurrences exact (a = 1); floor 0.0000." in page
    assert page.endswith(text + "\n")
    assert os.path.getsize(os.path.join(out, "ceiling.png")) > 0


def test_draws_give_each_cell_its_mean_and_spread(tmp_path):
    results = ceiling.sweep([32], [4], [1], log=lambda *a: None, draws=3)
    reads = results[32, (1, 4)]
    assert len(reads) == 3 and len(set(reads)) > 1  # rows drawn anew
    assert len(results[32, "exact"]) == 1  # nothing drawn
    # The same seeds draw the same rows.
    again = ceiling.sweep([32], [4], [1], log=lambda *a: None, draws=2)
    assert again[32, (1, 4)] == reads[:2]
    text = ceiling.table(results, [32], [4], [1])
    assert (f"| hard VQ, S=4 | {np.mean(reads):.3f} ± {np.std(reads):.3f} |"
            in text)
