"""The bench's tables (their structure from a real run: test_suite.py)."""

from kzoo.benchmarks.speed import report


def _context(**timing):
    return [{"backend": "jax", "context": [
        {"model": "vqcache", "time_steps": 1024, "params": 10,
         "peak_rss_mb": 100.0, "allocator": "glibc malloc", **timing}]}]


def test_the_context_table_gives_the_median_and_the_spread():
    table = report.tables(_context(step_ms=9429.4, step_ms_min=8790.2,
                                   step_ms_max=11459.0, repeats=3))["context"]
    assert "step ms (median) | min to max | steps timed" in table
    assert "| 9.43e+03 | 8790 to 11459 | 3 |" in table
    fast = report.tables(_context(step_ms=2.0, step_ms_min=1.5,
                                  step_ms_max=2.25, repeats=20))["context"]
    assert "| 1.5 to 2.25 | 20 |" in fast
    # A row written before steps were timed one by one: no spread.
    old = report.tables(_context(step_ms=5.0, repeats=2))["context"]
    assert "| 5 | - | 2 |" in old


def test_a_batch_in_passes_is_its_own_line_and_growth():
    rows = [{"model": "vqcache", "time_steps": t, "params": 10,
             "peak_rss_mb": 100.0, "step_ms": ms, **extra}
            for t, ms, extra in ((1024, 10.0, {}), (8192, 110.0, {}),
                                 (1024, 10.0, {"tokens": 32768}),
                                 (8192, 70.0, {"tokens": 32768}))]
    table = report.tables([{"backend": "torch", "context": rows}])["context"]
    assert "| torch | vqcache, passes of 32768 tokens | 8192 |" in table
    assert "| torch | vqcache | 11 | 1 |" in table
    assert "| torch | vqcache, passes of 32768 tokens | 7 | 1 |" in table
