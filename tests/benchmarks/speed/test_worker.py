"""The speed worker: its scaling rows skipped above the memory limit."""

from kzoo.benchmarks.speed import worker


def test_a_skipped_size_reads_in_its_unit_and_the_limit_as_given():
    rows = worker._scaling({"memory_limit_gb": 1e-6, "exponents": [10],
                            "scaling_repeats": 1})
    assert rows and all("step_ms" not in r for r in rows)
    notes = [r["skipped"] for r in rows]
    assert all(n.startswith("needs ~") and n.endswith(" > 1e-06 GiB limit")
               for n in notes), notes
    assert "0.0 GiB" not in " ".join(notes)
    assert any(" MiB > " in n for n in notes), notes
    assert worker.size(6 * 2**30) == "6 GiB"
    assert worker.size(300 * 2**20) == "300 MiB"
