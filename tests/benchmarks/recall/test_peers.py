"""The peers: least squares on the window, seasonal naive."""

import numpy as np
import pytest

from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall import peers
from kzoo.benchmarks.recall import tasks
from kzoo.errors import UsageError
from kzoo.eval.metrics import nmse
from kzoo.peers import LinearAR


def test_window_ar_is_linear_ar_on_the_window():
    rng = np.random.default_rng(0)
    z = np.convolve(rng.normal(size=700), [1, 0.6, -0.3], "same")
    steps, targets = 12, np.arange(12, 500)
    ar = peers.WindowAR(steps, block=100).fit(z, targets)
    windows = np.stack([z[t - steps:t] for t in targets])
    reference = LinearAR(steps).fit_windows(windows, z[targets])
    held = np.arange(500, 700)
    np.testing.assert_allclose(
        ar.predict(z, held),
        reference.predict_windows(np.stack([z[t - steps:t] for t in held])),
        atol=1e-6)


def test_the_least_squares_ar_reaches_the_lag_floor():
    task = tasks.LagTask()
    assert measure.lag_ar(64, task) == pytest.approx(task.floor, rel=0.1)


def test_a_ridge_is_chosen_on_validation():
    rng = np.random.default_rng(1)
    z = rng.normal(size=400)  # nothing to learn: a large ridge wins
    ar = peers.WindowAR(100).fit(z, np.arange(100, 260))
    ar.select(z, np.arange(260, 400))
    assert ar.ridge == max(peers.RIDGES)
    assert "ridge=1" in ar.describe()


def test_seasonal_naive_on_a_periodic_series():
    rng = np.random.default_rng(2)
    t = np.arange(2000)
    z = np.sin(2 * np.pi * t / 48) + 0.5 * np.sin(2 * np.pi * t / 336)
    held = np.arange(1500, 2000)
    np.testing.assert_allclose(peers.seasonal_naive(z, held, 336), z[held],
                               atol=1e-9)
    noisy = z + 0.1 * rng.normal(size=len(z))
    score = nmse(peers.seasonal_naive(noisy, held, 336), noisy[held])
    # Two noises of variance 0.01 over a variance of about 0.64.
    assert score == pytest.approx(0.02 / np.var(noisy[held]), rel=0.2)
    with pytest.raises(ValueError, match="the period 336"):
        peers.seasonal_naive(z, [100], 336)


QUICK_CONTENT = dict(window=32, key=4, continuation=4, spacing=16,
                     min_val=96)


def test_content_keys_are_the_values_before_each_position():
    z = np.arange(6.0)
    keys = peers.content_keys(z, 2)
    np.testing.assert_array_equal(keys[2:], [[0, 1], [1, 2], [2, 3],
                                             [3, 4]])
    np.testing.assert_array_equal(keys[:2], 0)


def _ceiling_reference(z, window, key, rows, groups, targets):
    """Per-code window means, one target and one head at a time."""
    keys = np.array([z[j - key:j] if j >= key else np.zeros(key)
                     for j in range(len(z))])
    reads = np.zeros(len(targets))
    for g in groups:
        table = keys[rows][:, g]
        codes = np.array([np.argmin(((table - k[g]) ** 2).sum(1))
                          for k in keys])
        for i, t in enumerate(targets):
            low = max(key, t - window + key)
            same = [z[j] for j in range(low, t) if codes[j] == codes[t]]
            reads[i] += np.mean(same) if same else 0.0
    return reads / len(groups)


@pytest.mark.parametrize("n_head", [1, 2])
def test_vq_cache_ceiling_is_the_per_code_mean_of_its_window(n_head):
    rng = np.random.default_rng(3)
    z = rng.normal(size=300)
    fit_on, targets = np.arange(40, 200), np.arange(200, 300)
    peer = peers.VQCacheCeiling(24, 6, 16, n_head, seed=1).fit(z, fit_on)
    drawn = np.random.default_rng(1).choice(np.arange(6, 200), 16,
                                            replace=False)
    groups = np.array_split(np.arange(6), n_head)
    train = _ceiling_reference(z, 24, 6, drawn, groups, fit_on)
    scale = train @ z[fit_on] / (train @ train)
    np.testing.assert_allclose(peer.scale, scale, rtol=1e-6)
    np.testing.assert_allclose(
        peer.predict(z, targets),
        scale * _ceiling_reference(z, 24, 6, drawn, groups, targets),
        rtol=1e-6, atol=1e-9)


def test_nearest_key_finds_the_source_and_one_code_reads_the_mean():
    task = tasks.ContentTask(**QUICK_CONTENT, seed=2)
    exact = measure.content_ceiling(task)
    one = measure.content_ceiling(task, 1)
    # Exact keys find the source (floor 0.059, noise keys aside); one code
    # reads the window's mean: nothing addressed.
    assert exact["nmse"] < 0.3
    assert one["nmse"] > 0.8
    assert set(exact["bands"]) == set(one["bands"])


def test_vq_cache_ceiling_refuses_bad_settings():
    with pytest.raises(UsageError, match="n_head"):
        peers.VQCacheCeiling(32, 4, 8, n_head=5)
    with pytest.raises(UsageError, match="exceeds"):
        peers.VQCacheCeiling(32, 4, 500).fit(np.zeros(100), np.arange(10, 90))
    peer = peers.VQCacheCeiling(32, 4, 4).fit(
        np.random.default_rng(0).normal(size=100), np.arange(10, 90))
    with pytest.raises(UsageError, match="fitted on"):
        peer.predict(np.zeros(50), np.arange(40, 50))
