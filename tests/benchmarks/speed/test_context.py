"""The context-length cost ruler: one step's row, and the growth ratios."""

import pytest

from kzoo.benchmarks.speed import context


def test_a_step_row_reports_time_memory_and_the_shape():
    row = context.step("linear", 64, batch=4, repeats=1)
    assert row["model"] == "linear" and row["time_steps"] == 64
    assert row["batch"] == 4 and row["params"] > 0
    assert row["step_ms"] > 0 and row["peak_rss_mb"] > 0
    assert row["allocator"] == context.allocator()


def test_the_allocator_is_named_from_the_environment():
    assert context.allocator({}) == "glibc malloc"
    assert context.allocator({"MALLOC_MMAP_MAX_": "65536"}) == "glibc malloc"
    assert context.allocator({"MALLOC_MMAP_MAX_": "0"}) == (
        "glibc malloc, mmap off (MALLOC_MMAP_MAX_=0)")
    assert context.allocator(
        {"LD_PRELOAD": "/a/libtcmalloc.so.4:/b/libx.so"}) == (
        "LD_PRELOAD=libtcmalloc.so.4 libx.so")


def test_every_model_of_the_ruler_is_registered():
    from kzoo import models

    for name in context.MODELS:
        assert name in models.available()
        assert context._width(name)  # each has a width at 64


def test_ratios_from_1024_to_8192():
    rows = [{"model": "a", "time_steps": 1024, "step_ms": 10.0,
             "peak_rss_mb": 100.0},
            {"model": "a", "time_steps": 8192, "step_ms": 80.0,
             "peak_rss_mb": 400.0},
            {"model": "b", "time_steps": 1024, "step_ms": 5.0,
             "peak_rss_mb": 50.0},
            {"model": "b", "time_steps": 8192, "skipped": "too slow"}]
    assert context.ratios(rows) == {"a": (pytest.approx(8.0),
                                          pytest.approx(4.0))}
