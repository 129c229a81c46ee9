"""The standard protocols' parts and scores, against NumPy."""

import numpy as np
import pytest

from kzoo.eval import metrics
from kzoo.eval import protocols


def test_mackey_glass_starts_lie_in_the_test_part():
    starts = protocols.mackey_glass_starts()
    assert len(starts) == protocols.MG_STARTS == 20
    assert starts[0] == protocols.MG_TRAIN == 2000
    assert starts[-1] + protocols.MG_HORIZON == (protocols.MG_TRAIN
                                                 + protocols.MG_TEST)
    assert protocols.MG_SPEC == "mackey_glass:2500[0:2000]"


def test_laser_scores_are_nmse_of_the_competition_points(rng):
    z = rng.normal(size=1200)
    rollout, one = rng.normal(size=100), z[1000:1100] + 0.1
    scores = protocols.laser_scores(z, rollout, one)
    truth = z[1000:1100]
    assert scores["rollout_nmse"] == pytest.approx(
        np.mean((rollout - truth) ** 2) / np.var(truth))
    assert scores["one_step_nmse"] == pytest.approx(0.01 / np.var(truth))
    np.testing.assert_array_equal(scores["truth"], truth)
    assert protocols.LASER_TEST_LABEL == "1001-1100"


def test_mackey_glass_scores_are_nrmse_over_the_test_deviation(rng):
    z = rng.normal(size=2500)
    starts = protocols.mackey_glass_starts()
    truth = z[starts[:, None] + np.arange(84)]
    rollouts = truth + rng.normal(scale=0.1, size=truth.shape)
    one = z[2000:] + 0.2
    scores = protocols.mackey_glass_scores(z, one, rollouts)
    scale = np.std(z[2000:])
    assert scores["one_step_nrmse"] == pytest.approx(0.2 / scale)
    assert scores["rollout_nrmse"] == pytest.approx(
        np.sqrt(np.mean((rollouts - truth) ** 2)) / scale)
    assert scores["nrmse_at_horizon"] == pytest.approx(
        np.sqrt(np.mean((rollouts[:, -1] - truth[:, -1]) ** 2)) / scale)


def test_one_nmse_and_nrmse_with_no_variance_to_normalise_by():
    assert metrics.nmse([1.0, 3.0], [0.0, 2.0]) == pytest.approx(1.0)
    assert metrics.nrmse([1.0, 3.0], [0.0, 2.0]) == pytest.approx(1.0)
    assert metrics.nrmse([1.0, 3.0], [0.0, 2.0], scale=2.0) == 0.5
    assert np.isnan(metrics.nmse([1.0, 2.0], [5.0, 5.0]))
    assert np.isnan(metrics.nrmse([1.0, 2.0], [5.0, 5.0]))
    assert metrics.errors([1.0], [1.0])["nmse"] != 0  # nan, not 0


def test_logistic_starts_lie_in_the_test_part():
    starts = protocols.logistic_starts()
    assert len(starts) == protocols.LOGISTIC_STARTS
    assert starts[0] == protocols.LOGISTIC_TRAIN
    assert starts[-1] + protocols.LOGISTIC_HORIZON == (
        protocols.LOGISTIC_TRAIN + protocols.LOGISTIC_TEST)
    assert protocols.LOGISTIC_SPEC == "logistic:2500[0:2000]"


def test_fed_back_horizon_counts_the_steps_within_the_threshold(rng):
    truth = rng.normal(size=(20, 10))
    # An error that doubles every step from 0.01: NRMSE 0.01 * 2**h
    # (scale 1), within 0.1 for h = 0..3.
    rollouts = truth + 0.01 * 2.0 ** np.arange(10)
    np.testing.assert_allclose(protocols.nrmse_by_step(rollouts, truth, 1.0),
                               0.01 * 2.0 ** np.arange(10))
    assert protocols.fed_back_horizon(rollouts, truth, 1.0) == 4
    # Scale 2 halves every NRMSE: one step more.
    assert protocols.fed_back_horizon(rollouts, truth, 2.0) == 5
    assert protocols.fed_back_horizon(truth, truth, 1.0) == 10
    assert protocols.fed_back_horizon(truth + 1.0, truth, 1.0) == 0
    diverged = rollouts.copy()
    diverged[:, 1] = np.nan
    assert protocols.fed_back_horizon(diverged, truth, 1.0) == 1


def test_logistic_scores_are_one_step_nmse_and_the_horizon(rng):
    z = rng.normal(size=2500)
    starts = protocols.logistic_starts()
    truth = z[starts[:, None] + np.arange(protocols.LOGISTIC_HORIZON)]
    scale = np.std(z[2000:])
    rollouts = truth + 1e-3 * scale * 2.0 ** np.arange(truth.shape[1])
    one = z[2000:] + 0.2
    scores = protocols.logistic_scores(z, one, rollouts)
    assert scores["one_step_nmse"] == pytest.approx(0.04 / np.var(z[2000:]))
    # 1e-3 * 2**h <= 0.1 for h <= 6.
    assert scores["horizon"] == 7
    assert scores["rollout_nrmse"] == pytest.approx(
        np.sqrt(np.mean((rollouts - truth) ** 2)) / scale)
    np.testing.assert_array_equal(scores["truth"], truth[0])
