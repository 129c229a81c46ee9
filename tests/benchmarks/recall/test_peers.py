"""The peers: least squares on the window, seasonal naive."""

import numpy as np
import pytest

from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall import peers
from kzoo.benchmarks.recall import tasks
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
