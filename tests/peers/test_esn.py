"""EchoStateNetwork: reservoirpy Reservoir + Ridge as a forecaster."""

import numpy as np
import pytest

from kzoo.peers import EchoStateNetwork

SMALL = {"units": 60, "warmup": 30, "seed": 3}


@pytest.fixture(scope="module")
def sine():
    return np.sin(2 * np.pi * np.arange(600) / 25.0)


@pytest.fixture(scope="module")
def fitted(sine):
    return EchoStateNetwork(**SMALL).fit(sine[:400])


def nmse(pred, true):
    return np.mean((pred - true) ** 2) / np.var(true)


def test_fits_a_sine_one_step(fitted, sine):
    assert nmse(fitted.one_step(sine, 400, 600), sine[400:]) < 1e-3


def test_rollout_of_a_sine_stays_close(fitted, sine):
    out = fitted.rollout(sine, [400, 450, 500], 50)
    assert out.shape == (3, 50)
    truth = np.stack([sine[s:s + 50] for s in (400, 450, 500)])
    assert np.max(np.abs(out - truth)) < 0.05


def test_rollout_feeds_its_forecasts_back(fitted, sine):
    out = fitted.rollout(sine, [420, 433], 4)
    # The first step is the one-step forecast at that start.
    np.testing.assert_allclose(out[:, 0], fitted.one_step(sine, 420, 434)[
        [0, 13]], atol=1e-12)
    # Step two reads the first forecast, not the truth: the one-step
    # forecast of a series whose value at 420 is replaced by it.
    fed = sine[:421].copy()
    fed[420] = out[0, 0]
    manual = fitted.one_step(np.r_[fed, 0.0], 421, 422)[0]
    assert out[0, 1] == pytest.approx(manual, abs=1e-12)
    truth_fed = fitted.one_step(sine, 421, 422)[0]
    assert out[0, 1] != truth_fed
    # A start alone rolls out as in the batch.
    np.testing.assert_allclose(fitted.rollout(sine, [433], 4)[0], out[1],
                               atol=1e-12)


def test_same_seed_same_forecasts(sine):
    first = EchoStateNetwork(**SMALL).fit(sine[:300])
    again = EchoStateNetwork(**SMALL).fit(sine[:300])
    other = EchoStateNetwork(**{**SMALL, "seed": 4}).fit(sine[:300])
    np.testing.assert_array_equal(first.rollout(sine, [300], 20),
                                  again.rollout(sine, [300], 20))
    assert not np.array_equal(first.one_step(sine, 300, 320),
                              other.one_step(sine, 300, 320))


def test_states_are_shared_between_a_series_and_its_extensions(sine):
    peer = EchoStateNetwork(**SMALL)
    full = peer.states(sine).copy()
    fresh = EchoStateNetwork(**SMALL)
    np.testing.assert_allclose(fresh.states(sine[:200]), full[:200])
    np.testing.assert_allclose(fresh.states(sine), full, atol=1e-12)
    changed = sine.copy()
    changed[100] += 1.0
    assert not np.allclose(fresh.states(changed)[100], full[100])
    np.testing.assert_allclose(fresh.states(changed)[:100], full[:100])


def test_clip_keeps_forecasts_in_the_widened_training_range(sine):
    peer = EchoStateNetwork(**SMALL, clip=0.0).fit(sine[:300])
    low, high = peer.bounds_
    assert low == pytest.approx(sine[:300].min())
    assert high == pytest.approx(sine[:300].max())
    out = peer.rollout(3 * sine, [300], 30)
    assert out.min() >= low and out.max() <= high
    free = EchoStateNetwork(**SMALL, clip=None).fit(sine[:300])
    assert free.bounds_ == (-np.inf, np.inf)


def test_config_round_trips(fitted):
    config = fitted.get_config()
    assert config["units"] == 60 and config["seed"] == 3
    assert EchoStateNetwork(**config).get_config() == config
    assert fitted.describe().startswith("esn(units=60, spectral_radius=1.1")


@pytest.mark.parametrize("kwargs, name", [
    ({"units": 0}, "units"),
    ({"spectral_radius": 0.0}, "spectral_radius"),
    ({"leak_rate": 1.5}, "leak_rate"),
    ({"leak_rate": 0}, "leak_rate"),
    ({"input_scaling": -1.0}, "input_scaling"),
    ({"ridge": -1e-3}, "ridge"),
    ({"bias_scaling": float("nan")}, "bias_scaling"),
    ({"warmup": -1}, "warmup"),
    ({"seed": None}, "seed"),
    ({"clip": -0.1}, "clip"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}` must be .* Received: "
                       f"{name}="):
        EchoStateNetwork(**kwargs)


def test_too_short_training_series_is_named():
    with pytest.raises(ValueError, match="`z_train` must be a 1-D array of "
                       "at least 32 values"):
        EchoStateNetwork(**SMALL).fit(np.zeros(31))
