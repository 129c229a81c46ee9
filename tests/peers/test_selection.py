"""Choosing settings on a validation part: select, select_ar, select_esn."""

import numpy as np
import pytest

from kzoo.peers import AR_ORDERS
from kzoo.peers import ESN_GRID
from kzoo.peers import EchoStateNetwork
from kzoo.peers import LinearAR
from kzoo.peers import Persistence
from kzoo.peers import select
from kzoo.peers import select_ar
from kzoo.peers import select_esn
from kzoo.peers import validation_score


@pytest.fixture(scope="module")
def ar3(ar_series):
    return ar_series([0.4, 0.3, -0.5], 2500, seed=5)


def test_select_ar_picks_the_true_order(ar3):
    peer = select_ar(ar3[:2000], ar3[2000:], orders=(8, 1, 2, 3, 4, 6))
    assert peer.order == 3
    scores = dict((c["order"], s) for c, s in peer.selection.scores)
    assert scores[2] > 1.1 * scores[3]  # too few lags is clearly worse
    # Refitted on train + validation.
    np.testing.assert_allclose(peer.coef_, LinearAR(3).fit(ar3).coef_)
    assert peer.selection.refit and peer.selection.best == {"order": 3,
                                                            "ridge": 0.0}


def test_select_ar_default_orders_follow_the_data_length(ar_series):
    z = ar_series([0.5], 60)
    peer = select_ar(z[:40], z[40:])
    orders = [c["order"] for c, _ in peer.selection.scores]
    assert orders == [p for p in AR_ORDERS if 2 * p + 2 <= 40]
    assert orders == [1, 2, 3, 4, 6, 8, 12, 16]


def test_rollout_criterion_scores_fed_back_forecasts(ar3):
    z_train, z_val = ar3[:2000], ar3[2000:2100]
    peer = LinearAR(3).fit(z_train)
    starts = np.unique(np.linspace(2000, 2100 - 20, 5).round().astype(int))
    pred = peer.rollout(ar3[:2100], starts, 20)
    truth = np.stack([ar3[s:s + 20] for s in starts])
    expected = np.mean((pred - truth) ** 2) / np.var(z_val)
    assert validation_score(peer, z_train, z_val, "rollout", 20, 5) == (
        pytest.approx(expected))
    chosen = select_ar(z_train, z_val, orders=(1, 3), criterion="rollout",
                       horizon=20, n_starts=5, refit=False)
    assert chosen.selection.horizon == 20 and chosen.order == 3
    np.testing.assert_allclose(chosen.coef_, peer.coef_)


def test_a_diverging_candidate_scores_infinity():
    class Exploding(Persistence):
        def _rollout(self, z, starts, steps):
            return np.full((len(starts), steps), np.inf)

    z = np.sin(np.arange(100.0))
    assert validation_score(Exploding().fit(z[:80]), z[:80], z[80:],
                            "rollout", 5) == float("inf")
    peer = select(lambda kind: Exploding() if kind else Persistence(),
                  [{"kind": 1}, {"kind": 0}], z[:80], z[80:], "rollout", 5)
    assert type(peer) is Persistence


def test_select_esn_returns_settings_from_the_grid():
    z = np.sin(2 * np.pi * np.arange(360) / 20.0)
    grid = {"spectral_radius": (0.5, 1.1), "leak_rate": (0.3, 1.0),
            "ridge": (1e-7, 1e-3)}
    peer = select_esn(z[:240], z[240:], grid=grid, units=40, warmup=20,
                      seed=1)
    assert len(peer.selection.scores) == 8
    best = peer.selection.best
    assert all(best[k] in values for k, values in grid.items())
    config = peer.get_config()
    assert {k: config[k] for k in best} == best
    assert config["units"] == 40 and config["seed"] == 1
    assert peer.selection.score == min(s for _, s in peer.selection.scores)
    # The chosen peer forecasts as one built from its settings.
    again = EchoStateNetwork(**config).fit(z)
    np.testing.assert_allclose(peer.rollout(z, [300], 30),
                               again.rollout(z, [300], 30), atol=1e-12)
    # Scores with a shared reservoir equal those of separate networks.
    for settings, score in peer.selection.scores[:2]:
        alone = EchoStateNetwork(**settings, units=40, warmup=20, seed=1)
        assert validation_score(alone.fit(z[:240]), z[:240], z[240:]) == (
            pytest.approx(score, rel=1e-9))


def test_the_default_esn_grid_is_small():
    sizes = [len(v) for v in ESN_GRID.values()]
    assert np.prod(sizes) == 48 and set(ESN_GRID) <= set(
        EchoStateNetwork().get_config())


@pytest.mark.parametrize("call, name", [
    (lambda z: select_ar(z[:80], z[80:], criterion="two_step"),
     "criterion"),
    (lambda z: select_ar(z[:80], z[80:], criterion="rollout"), "horizon"),
    (lambda z: select_ar(z[:80], z[80:], criterion="rollout", horizon=21),
     "horizon"),
    (lambda z: select_ar(z[:80], z[80:], orders=(0, 2)), "orders"),
    (lambda z: select_ar(z[:80], z[80:], orders=(60,)), "orders"),
    (lambda z: select_ar(z[:3], z[80:]), "z_train"),
    (lambda z: select_ar(z[:80], z[80:81]), "z_val"),
    (lambda z: select_ar(z[:80], z[80:], tolerance=-1), "tolerance"),
    (lambda z: select(LinearAR, [], z[:80], z[80:]), "candidates"),
    (lambda z: select_esn(z[:80], z[80:], grid={"size": (1,)}), "grid"),
    (lambda z: select_esn(z[:80], z[80:], grid={"units": (5,)}, units=5),
     "units"),
])
def test_bad_arguments_raise_naming_them(call, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(np.sin(np.arange(100.0)))
