"""The laser and Mackey-Glass protocols, run with the cheap peers."""

import numpy as np
import pytest

from kzoo.data import ZScore
from kzoo.data import load
from kzoo.peers import LinearAR
from kzoo.peers import Persistence
from kzoo.peers.protocols import laser_protocol
from kzoo.peers.protocols import logistic_protocol
from kzoo.peers.protocols import mackey_glass_protocol
from kzoo.peers.protocols import reference_protocol


def persistence(z_train, z_val):
    return Persistence().fit(np.concatenate([z_train, z_val]))


def test_laser_protocol_with_persistence():
    seen = {}

    def choose(z_train, z_val):
        seen["train"], seen["val"] = z_train, z_val
        return persistence(z_train, z_val)

    result = laser_protocol(choose)
    values = load("laser").values
    z = ZScore.fit(values[:1000]).transform(values)
    np.testing.assert_allclose(seen["train"], z[:800])
    np.testing.assert_allclose(seen["val"], z[800:1000])
    truth = values[1000:1100]
    # Persistence repeats point 1000 (index 999); NMSE in original units.
    expected = np.mean((values[999] - truth) ** 2) / np.var(truth)
    assert result["rollout_nmse"] == pytest.approx(expected)
    one_step = np.mean((values[999:1099] - truth) ** 2) / np.var(truth)
    assert result["one_step_nmse"] == pytest.approx(one_step)
    assert result["forecast"].shape == (100,)
    assert result["peer"] == "persistence()"


def test_mackey_glass_protocol_shapes_and_a_linear_peer():
    result = mackey_glass_protocol(persistence)
    assert set(result) == {"peer", "one_step_nrmse", "rollout_nrmse",
                           "nrmse_at_horizon", "seconds", "truth",
                           "forecast"}
    ar = mackey_glass_protocol(lambda t, v: LinearAR(8).fit(t))
    assert ar["one_step_nrmse"] < 0.1 * result["one_step_nrmse"]
    assert ar["peer"] == "ar(order=8)"


def test_logistic_protocol_scores_a_peer_that_knows_the_map():
    class TheMap(Persistence):
        """The logistic map itself, in z-scored units (`mean`, `std`)."""

        def __init__(self, mean, std):
            super().__init__()
            self.mean, self.std = mean, std

        def _next(self, z):
            x = z * self.std + self.mean
            return (4.0 * x * (1.0 - x) - self.mean) / self.std

        def _one_step(self, z, start, end):
            return self._next(np.asarray(z)[start - 1:end - 1])

        def _rollout(self, z, starts, steps):
            out = np.empty((len(starts), steps))
            for i, start in enumerate(starts):
                value = z[start - 1]
                for h in range(steps):
                    out[i, h] = value = self._next(value)
            return out

    values = load("logistic").values[:2000]
    exact = logistic_protocol(
        lambda t, v: TheMap(values.mean(), values.std()).fit(t))
    # Exact one step; fed back, rounding errors double each step: the
    # horizon is finite but long (float64 from about 1e-16).
    assert exact["one_step_nmse"] < 1e-20
    assert 30 <= exact["horizon"] <= 40
    lazy = logistic_protocol(persistence)
    assert lazy["one_step_nmse"] > 0.5 and lazy["horizon"] == 0
    assert lazy["nrmse_by_step"].shape == (40,)
    assert exact["forecast"].shape == (40,)


def _reference_windows(time_steps=112):
    from kzoo.data import prepare

    return prepare(load("y_w"), time_steps, "last", "random")


def test_reference_protocol_with_persistence():
    result = reference_protocol("persistence")
    windows = _reference_windows()
    # The last value of each validation window, z-scored.
    expected = np.mean((windows.x_val[:, -1, 0] - windows.next_val) ** 2)
    assert result["val_mse_next"] == pytest.approx(expected, rel=1e-5)
    values = load("y_w").values
    # Fed back from the first window: point 111 repeated, in ug/m³.
    np.testing.assert_allclose(result["forecast"], values[111])
    assert result["mse_regressive"] == pytest.approx(
        np.mean((values[111] - values[112:]) ** 2))
    np.testing.assert_allclose(result["truth"], values[112:])


def test_reference_protocol_fits_the_ar_on_training_windows_only():
    result = reference_protocol("ar", time_steps=40, orders=(2, 4, 8),
                                tolerance=0.0)
    windows = _reference_windows(40)
    x, y = windows.x_train[..., 0], windows.y_train[:, 0]
    assert result["peer"] in ("ar(order=2)", "ar(order=4)", "ar(order=8)")
    order = int(result["peer"][9:-1])
    # The chosen order's fit on the training windows, written out: least
    # squares with an intercept on their last `order` values.
    design = np.c_[np.ones(len(x)), x[:, -order:]]
    weights = np.linalg.lstsq(design, y, rcond=None)[0]
    pred = np.c_[np.ones(len(windows.x_val)),
                 windows.x_val[:, -order:, 0]] @ weights
    expected = np.mean((pred - windows.next_val) ** 2)
    assert result["val_mse_next"] == pytest.approx(expected, rel=1e-4)
    # The 5-fold choice is the order with the best cross-validated error:
    # the longest of these three on this smooth series.
    assert order == 8
    assert result["forecast"].shape == (len(load("y_w").values) - 40,)


@pytest.mark.parametrize("kwargs, name", [
    ({"peer": "esn"}, "peer"),
    ({"folds": 1}, "folds"),
    ({"tolerance": -0.1}, "tolerance"),
    ({"orders": (200,)}, "orders"),
])
def test_reference_protocol_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        reference_protocol(**kwargs)
