"""The context-length cost ruler: one step's row, and the growth ratios."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kzoo.benchmarks.speed import context

from helpers import ONCE


def test_a_step_row_reports_time_memory_and_the_shape():
    row = context.step("linear", 64, batch=4, repeats=2, min_seconds=0.0)
    assert row["model"] == "linear" and row["time_steps"] == 64
    assert row["batch"] == 4 and row["params"] > 0
    assert row["repeats"] == 2  # no time asked for past the two steps
    assert row["step_ms_min"] <= row["step_ms"] <= row["step_ms_max"]
    assert row["step_ms"] > 0 and row["peak_rss_mb"] > 0
    assert row["allocator"] == context.allocator(
        backend=keras.backend.backend())


def test_steps_are_timed_until_the_time_asked_for_or_the_cap():
    row = context.step("linear", 16, batch=2, repeats=1, min_seconds=60.0,
                       max_repeats=4)
    assert row["repeats"] == 4  # the cap, long before a minute
    with pytest.raises(ValueError, match="repeats=5 must be in"):
        context.step("linear", 16, repeats=5, max_repeats=4)


def test_a_batch_in_passes_is_the_same_adam_update_as_one_pass():
    one_model, one_update = context.compiled("linear", 16, batch=4)
    split_model, split_update = context.compiled("linear", 16, batch=4,
                                                 tokens=32)
    before = [np.array(w) for w in split_model.get_weights()]
    split_update()  # two passes of two sequences, one update
    one_update()
    changed = False
    for a, b, w in zip(one_model.get_weights(), split_model.get_weights(),
                       before):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        changed = changed or not np.allclose(b, w)
    assert changed  # the update was applied, not only accumulated
    row = context.step("linear", 16, batch=4, repeats=1, min_seconds=0.0,
                       tokens=32)
    assert (row["tokens"], row["micro_batch"]) == (32, 2)
    assert "tokens" not in context.step("linear", 16, batch=4, repeats=1,
                                        min_seconds=0.0)


def test_the_passes_are_the_largest_divisor_of_the_batch_that_fits():
    assert context.micro_batch(1024, 32, 32768) == 32
    assert context.micro_batch(8192, 32, 32768) == 4
    assert context.micro_batch(4096, 24, 32768) == 8
    assert context.micro_batch(3000, 24, 32768) == 8  # 10 fit; 8 divides
    assert context.micro_batch(100000, 32, 32768) == 1
    assert context.micro_batch(8192, 32, None) == 32
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="tokens="):
            context.micro_batch(8192, 32, bad)


def test_the_allocator_is_named_from_the_environment():
    assert context.allocator({}) == "glibc malloc"
    assert context.allocator({"MALLOC_MMAP_MAX_": "65536"}) == "glibc malloc"
    assert context.allocator({"MALLOC_MMAP_MAX_": "0"}) == (
        "glibc malloc, mmap off (MALLOC_MMAP_MAX_=0)")
    assert context.allocator(
        {"LD_PRELOAD": "/a/libtcmalloc.so.4:/b/libx.so"}) == (
        "LD_PRELOAD=libtcmalloc.so.4 libx.so")
    assert context.allocator(
        {"GLIBC_TUNABLES": "glibc.malloc.check=0:glibc.malloc.hugetlb=2"}) \
        == "glibc malloc, huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=2)"
    assert context.allocator(
        {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"}) == "glibc malloc"
    # torch's own switch counts on torch only.
    thp = {"THP_MEM_ALLOC_ENABLE": "1"}
    assert context.allocator(thp, backend="jax") == "glibc malloc"
    assert context.allocator(thp, backend="torch") == (
        "glibc malloc; torch: huge pages (THP_MEM_ALLOC_ENABLE=1)")


@ONCE
@pytest.mark.slow
def test_importing_kzoo_asks_torch_for_huge_pages_unless_told_not_to():
    code = "import os, kzoo; print(os.environ['THP_MEM_ALLOC_ENABLE'])"
    env = {k: v for k, v in os.environ.items()
           if k != "THP_MEM_ALLOC_ENABLE"}
    for given, expected in ((None, "1"), ("0", "0")):
        if given is not None:
            env["THP_MEM_ALLOC_ENABLE"] = given
        out = subprocess.run([sys.executable, "-c", code], env=env,
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


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
    # A batch taken in passes is its own line beside the one-pass rows.
    rows += [{"model": "a", "time_steps": t, "tokens": 64, "step_ms": ms,
              "peak_rss_mb": 100.0} for t, ms in ((1024, 10.0), (8192, 60.0))]
    assert context.ratios(rows)["a, passes of 64 tokens"] == (
        pytest.approx(6.0), pytest.approx(1.0))
    assert context.ratios(rows)["a"][0] == pytest.approx(8.0)
