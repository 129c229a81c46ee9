"""The recall tasks' series against NumPy: lags, recurrences, windows."""

import numpy as np
import pytest

from kzoo import data
from kzoo.benchmarks.recall import tasks
from kzoo.errors import UsageError


def test_the_lag_series_depends_on_the_lag_only():
    task = tasks.LagTask()
    x = task.values(64)
    assert len(x) == tasks.time_steps(64) + 5 * task.train_windows // 4
    assert abs(x.std() - 1) < 0.02
    assert np.corrcoef(x[64:], x[:-64])[0, 1] == pytest.approx(0.97,
                                                                abs=0.005)
    for near in (1, 2, 63, 65):
        assert abs(np.corrcoef(x[near:], x[:-near])[0, 1]) < 0.05
    # The innovations: what a x[t-K] leaves is the floor's noise.
    assert np.var(x[64:] - 0.97 * x[:-64]) == pytest.approx(
        task.floor, rel=0.03)
    assert task.floor == pytest.approx(1 - 0.97 ** 2)
    np.testing.assert_array_equal(task.values(64), x)  # the data seed


@pytest.mark.parametrize("lag", [8, 64, 1024, 4096])
def test_every_lag_trains_on_the_same_windows(lag):
    task = tasks.LagTask()
    steps = tasks.time_steps(lag)
    count = task.length(lag) - steps
    train, val = data.split_indices(count, steps, "chrono")
    assert len(train) == task.train_windows == 18496
    assert len(val) == task.val_windows(lag) >= task.min_val
    assert steps == max(32, lag + 16)


def test_lags_the_windows_do_not_fit_are_refused():
    task = tasks.LagTask(max_lag=16, min_val=32)
    for bad in (0, 17, 2.0, True):
        with pytest.raises(UsageError, match="the lag task takes integer"):
            task.check(bad)
    task.check(16)


def test_content_recurrences_copy_a_fresh_source():
    task = tasks.ContentTask()
    x = task.values()
    starts, distances = task.recurrences()
    n, key = task.key + task.continuation, task.key
    assert np.diff(starts).min() == task.spacing
    assert np.mean(np.diff(starts)) < 1.5 * task.spacing
    assert starts[0] == task.window and len(x) == task.length
    # Distances from n to window - key, reaching the window.
    low, high = task.distances
    assert (low, high) == (16, task.window - key)
    assert distances.min() >= low and distances.max() <= high
    assert distances.max() > 0.9 * high and distances.min() < 20
    # Log-uniform: about as many in [16, 32) as in [256, 504].
    short = np.sum(distances < 32)
    long = np.sum(distances >= 256)
    assert 0.5 < short / long < 2
    # Every recurrence is a noisy copy (a = 0.97) of its source...
    taken = np.zeros(len(x), bool)
    for r in starts:
        taken[r:r + n] = True
    copies = np.concatenate([x[r:r + n] for r in starts])
    sources = np.concatenate([x[r - d:r - d + n]
                              for r, d in zip(starts, distances)])
    assert np.var(copies - task.a * sources) == pytest.approx(task.floor,
                                                              rel=0.05)
    # ... of values that are no recurrence themselves.
    for r, d in zip(starts, distances):
        assert not taken[r - d:r - d + n].any()
    # Outside the recurrences, nothing repeats.
    rest = x[task.window:][~taken[task.window:]]
    assert abs(np.corrcoef(rest[1:], rest[:-1])[0, 1]) < 0.03


def test_content_scores_the_continuations():
    task = tasks.ContentTask()
    positions, distances = task.scored()
    starts, d = task.recurrences()
    assert len(positions) == task.continuation * len(starts)
    j = np.arange(task.key, task.key + task.continuation)
    np.testing.assert_array_equal(positions[:task.continuation],
                                  starts[0] + j)
    assert set(distances[:task.continuation]) == {d[0]}
    # The window before each scored value holds the source's value and
    # the key values before it (d <= window - key).
    assert np.all(positions - distances - task.key
                  >= positions - task.window)


def test_content_windows_and_bad_settings():
    task = tasks.ContentTask()
    count = task.length - task.window
    train, val = data.split_indices(count, task.window, "chrono")
    assert len(train) == task.train_windows and len(val) == task.min_val
    with pytest.raises(UsageError, match="--window 20: the content task"):
        tasks.ContentTask(window=20)
    with pytest.raises(UsageError, match="spacing"):
        tasks.ContentTask(spacing=20)


def test_exact_content_recurrences_copy_their_source_unchanged():
    task = tasks.ContentTask(window=64, a=1.0)
    assert task.exact_copies and task.floor == 0
    assert not tasks.ContentTask().exact_copies
    x = task.values()
    n = task.key + task.continuation
    starts, distances = task.recurrences()
    # The same recurrences as the noisy task's, each an exact copy.
    noisy = tasks.ContentTask(window=64)
    np.testing.assert_array_equal(starts, noisy.recurrences()[0])
    for r, d in zip(starts, distances):
        np.testing.assert_array_equal(x[r:r + n], x[r - d:r - d + n])
    # Runs of the two tasks never share a name or a fingerprint.
    assert task.series().name == "content64a1"
    assert noisy.series().name == "content64"
    assert task.series().spec == "content:64:a=1"


@pytest.mark.parametrize("a", [0.0, -0.5, 1.5])
def test_content_copies_outside_zero_one_are_refused(a):
    with pytest.raises(UsageError, match=r"the copy's a must be in \(0, 1\]"):
        tasks.ContentTask(a=a)
