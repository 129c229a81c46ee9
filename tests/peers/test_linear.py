"""Persistence and LinearAR: least squares, forecasts and rollouts."""

import numpy as np
import pytest

from kzoo.peers import LinearAR
from kzoo.peers import Persistence
from kzoo.peers import base


def lstsq_reference(z, p):
    """Plain least squares with an intercept column, written out."""
    rows = np.array([np.r_[1.0, z[t - p:t][::-1]] for t in range(p, len(z))])
    solution = np.linalg.lstsq(rows, z[p:], rcond=None)[0]
    return solution[0], solution[1:]


def test_ar2_coefficients_are_recovered(ar_series):
    z = ar_series([1.5, -0.75], 5000, intercept=0.2)
    ar = LinearAR(2).fit(z)
    np.testing.assert_allclose(ar.coef_, [1.5, -0.75], atol=0.03)
    # Mean of the process: 0.2 / (1 - 1.5 + 0.75) = 0.8.
    assert ar.intercept_ == pytest.approx(0.2, abs=0.03)


def test_one_step_equals_a_numpy_least_squares_reference(ar_series):
    z = ar_series([0.6, 0.2, -0.3], 400, seed=1)
    ar = LinearAR(3).fit(z[:300])
    c, a = lstsq_reference(z[:300], 3)
    np.testing.assert_allclose(ar.coef_, a, atol=1e-10)
    expected = [c + a @ z[t - 3:t][::-1] for t in range(250, 400)]
    np.testing.assert_allclose(ar.one_step(z, 250, 400), expected,
                               atol=1e-10)
    assert ar.one_step(z).shape == (len(z) - 3,)  # from min_start = order


def test_ridge_shrinks_the_coefficients_not_the_intercept(ar_series):
    z = ar_series([0.9], 300, intercept=1.0)
    plain, ridge = LinearAR(1).fit(z), LinearAR(1, ridge=1e3).fit(z)
    assert abs(ridge.coef_[0]) < abs(plain.coef_[0])
    # Centred regression: the intercept follows the shrunk slope.
    assert ridge.intercept_ == pytest.approx(
        z[1:].mean() - ridge.coef_[0] * z[:-1].mean())


def test_fit_windows_equals_fit_on_the_series_windows(ar_series):
    z = ar_series([0.6, 0.2, -0.3], 300, seed=3)
    series = LinearAR(3).fit(z)
    # Every window of 5 values and the value after it; only the last 3
    # values of each window count.
    windows = np.lib.stride_tricks.sliding_window_view(z, 5)[:-1]
    pairs = LinearAR(3).fit_windows(windows, z[5:])
    # The same equations as `fit(z)` less its first two (t = 3, 4).
    reference = LinearAR(3).fit(z[2:])
    np.testing.assert_allclose(pairs.coef_, reference.coef_, atol=1e-10)
    assert pairs.intercept_ == pytest.approx(reference.intercept_)
    np.testing.assert_allclose(pairs.coef_, series.coef_, atol=0.02)
    np.testing.assert_allclose(pairs.predict_windows(windows[:10]),
                               pairs.one_step(z, 5, 15), atol=1e-10)
    # Shuffled pairs give the same fit.
    order = np.random.default_rng(0).permutation(len(windows))
    shuffled = LinearAR(3).fit_windows(windows[order], z[5:][order])
    np.testing.assert_allclose(shuffled.coef_, pairs.coef_, atol=1e-10)


@pytest.mark.parametrize("peer", [LinearAR(4), Persistence()],
                         ids=["ar", "persistence"])
def test_rollout_feeds_its_forecasts_back(peer, ar_series):
    z = ar_series([0.5, -0.3, 0.2], 200, seed=2)
    peer.fit(z[:150])
    starts, steps = [10, 57, 150, 200], 6
    out = peer.rollout(z, starts, steps)
    assert out.shape == (4, 6)
    for row, s in zip(out, starts):
        # The first step is the one-step forecast at that start.
        if s < len(z):
            assert row[0] == pytest.approx(peer.one_step(z, s, s + 1)[0])
        # Every next step is fed the previous forecasts, not the truth.
        history = list(z[:s])
        for h in range(steps):
            fed = np.asarray(history + [0.0])  # the value at len is unread
            assert row[h] == pytest.approx(
                peer.one_step(fed, len(history), len(history) + 1)[0])
            history.append(row[h])
    # A start alone rolls out as in the batch.
    np.testing.assert_allclose(peer.rollout(z, [57], steps)[0], out[1])


def test_persistence():
    z = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    peer = Persistence().fit(z)
    np.testing.assert_array_equal(peer.one_step(z, 1, 5), z[:4])
    np.testing.assert_array_equal(peer.rollout(z, [2, 5], 3),
                                  [[1.0] * 3, [5.0] * 3])
    assert peer.describe() == "persistence()" and peer.name == "persistence"


@pytest.mark.parametrize("call, name", [
    (lambda: LinearAR(0), "order"),
    (lambda: LinearAR(2.5), "order"),
    (lambda: LinearAR(2, ridge=-1.0), "ridge"),
    (lambda: LinearAR(3).fit(np.zeros(7)), "z_train"),
    (lambda: LinearAR(1).fit(np.zeros((5, 2))), "z_train"),
    (lambda: LinearAR(1).fit([0.0, np.nan, 1.0, 2.0]), "z_train"),
    (lambda: LinearAR(1).one_step(np.zeros(9)), None),
    (lambda: LinearAR(3).fit(np.arange(20.0)).one_step(np.zeros(9), 2),
     "start"),
    (lambda: Persistence().fit([1.0, 2.0]).one_step(np.zeros(9), 3, 12),
     "end"),
    (lambda: Persistence().fit([1.0, 2.0]).rollout(np.zeros(9), [0], 2),
     "starts"),
    (lambda: Persistence().fit([1.0, 2.0]).rollout(np.zeros(9), [10], 2),
     "starts"),
    (lambda: Persistence().fit([1.0, 2.0]).rollout(np.zeros(9), [1.5], 2),
     "starts"),
    (lambda: Persistence().fit([1.0, 2.0]).rollout(np.zeros(9), [3], 0),
     "steps"),
    (lambda: LinearAR(3).fit_windows(np.zeros((9, 2)), np.zeros(9)),
     "windows"),
    (lambda: LinearAR(3).fit_windows(np.zeros((9, 4)), np.zeros(8)),
     "windows"),
    (lambda: LinearAR(1).fit_windows(np.full((9, 4), np.nan), np.zeros(9)),
     "windows"),
    (lambda: LinearAR(1).fit_windows(np.zeros((9, 4)), np.full(9, np.inf)),
     "targets"),
    (lambda: LinearAR(2).fit(np.arange(20.0)).predict_windows(np.zeros(4)),
     "windows"),
    (lambda: LinearAR(2).predict_windows(np.zeros((3, 4))), None),
])
def test_bad_arguments_raise_naming_them(call, name):
    with pytest.raises(ValueError) as error:
        call()
    if name is None:
        assert "not fitted" in str(error.value)
    else:
        assert f"`{name}`" in str(error.value)
        assert "Received" in str(error.value)


def test_checks_format_like_the_layers():
    with pytest.raises(ValueError, match=r"^`order` must be an integer >= 1\. "
                       r"Received: order=0$"):
        base.check_int("order", 0)
