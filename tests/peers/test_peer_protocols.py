"""The laser and Mackey-Glass protocols, run with the cheap peers."""

import numpy as np
import pytest

from kzoo.data import ZScore
from kzoo.data import load
from kzoo.peers import LinearAR
from kzoo.peers import Persistence
from kzoo.peers.protocols import laser_protocol
from kzoo.peers.protocols import mackey_glass_protocol


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
    result = mackey_glass_protocol(persistence, train=600, test=200,
                                   validation=100, horizon=20, n_starts=4)
    assert set(result) == {"peer", "one_step_nrmse", "rollout_nrmse",
                           "nrmse_at_horizon", "seconds", "truth",
                           "forecast"}
    ar = mackey_glass_protocol(lambda t, v: LinearAR(8).fit(t), train=600,
                               test=200, validation=100, horizon=20,
                               n_starts=4)
    assert ar["one_step_nrmse"] < 0.1 * result["one_step_nrmse"]
    assert ar["peer"] == "ar(order=8)"
