import keras
import numpy as np
import pytest

from kzoo import models
from kzoo.data import make_windows
from kzoo.errors import UsageError
from kzoo.layers.ridge_codebook import seasonal_lags

NAMES = models.available()


def test_registry_names():
    assert set(NAMES) == {
        "lstm", "vqmlp", "vqlnmlp", "vqlnpemlp", "mhvqlnmlp", "mhvqlnpemlp",
        "cachevq", "mhcachevq", "persistence", "linear",
        "vqmixer", "mhvqmixer", "cachevqmixer", "mhcachevqmixer", "vqridge",
        "vqseasonal", "vqcache", "mhvqcache", "vqrecall",
    }


def test_solved_models_are_flagged_and_train_no_epochs():
    solved = {name for name in NAMES if models.spec(name).solved}
    assert solved == {"vqridge", "vqseasonal"}
    for name in solved:
        assert models.spec(name).defaults["epochs"] == 0
        model = models.build(name, time_steps=40)
        assert any(hasattr(layer, "solve") for layer in model.layers)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_model_builds_fits_and_saves(tmp_path, name):
    ts = 16
    spec = models.spec(name)
    hp = {"time_steps": ts}
    if "d_model" in spec.defaults:
        hp["d_model"] = 8
    if "vocab_size" in spec.defaults:
        hp["vocab_size"] = 8
    if "levels" in spec.defaults:
        hp["levels"] = 4
    if "n_lags" in spec.defaults:
        hp.update(vocab_size=8, n_lags=4, delay=2)
    if "period" in spec.defaults:
        hp.update(vocab_size=8, period=4, long_period=12)
    if "sizes" in spec.defaults:
        hp["sizes"] = (4, 8)
    model = models.build(name, **hp)
    values = np.sin(np.arange(120) / 5.0)
    x, y = make_windows(values, ts, spec.target)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    assert model.predict(x[:4], verbose=0).shape == (4,) + y.shape[1:]
    for layer in model.layers:
        if hasattr(layer, "solve"):  # closed form (vqridge)
            layer.solve(x, y)
            assert np.mean((model.predict(x, verbose=0) - y) ** 2) < 1e-3
    if model.trainable_weights:
        history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x[:4], verbose=0),
                               model.predict(x[:4], verbose=0), atol=1e-6)


def test_reference_shapes_and_parameter_counts():
    # vqlnmlp vs32 dm8: Dense(1->8) 16 + LayerNorm 16 + Dense(8->1) 9.
    model = models.build("vqlnmlp")
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 41
    memory = model.get_layer("block").memory
    assert tuple(memory.codebook.shape) == (32, 8)
    assert not memory.codebook.trainable
    # lstm: 2 x LSTM(64) + Dense(64->1).
    lstm = models.build("lstm")
    expected = 4 * 64 * (1 + 64 + 1) + 4 * 64 * (64 + 64 + 1) + 65
    assert lstm.count_params() == expected
    assert lstm.output_shape == (None, 1)
    block = models.build("vqlnpemlp").get_layer("block")
    assert block.positional_encoding.scale == 0.01


def test_persistence_repeats_the_last_value():
    x = np.random.default_rng(0).normal(size=(3, 8, 1)).astype("float32")
    pred = models.build("persistence", time_steps=8).predict(x, verbose=0)
    np.testing.assert_array_equal(pred[:, -1, 0], x[:, -1, 0])


def test_mixer_models_are_causal():
    model = models.build("vqmixer", time_steps=24, vocab_size=16, patch=4)
    x = np.random.default_rng(0).normal(size=(2, 24, 1)).astype("float32")
    changed = x.copy()
    changed[:, 12:] += 5.0
    np.testing.assert_allclose(model.predict(changed, verbose=0)[:, :12],
                               model.predict(x, verbose=0)[:, :12], atol=1e-5)
    assert models.spec("vqmixer").defaults["time_steps"] == 112


def test_trainable_and_hard_options():
    model = models.build("vqlnmlp", read="hard", train_codebook=True)
    layer = model.get_layer("block").memory
    assert layer.read == "hard" and layer.codebook.trainable


@pytest.mark.parametrize("name, hp", [
    ("vqmixer", {"vocab_size": 100}),
    ("mhcachevqmixer", {"sizes": (8, 16, 40)}),
])
def test_read_chunk_gives_the_dense_model(name, hp):
    dense = models.build(name, time_steps=24, **hp)
    chunked = models.build(name, time_steps=24, read_chunk=16, **hp)
    chunked.set_weights(dense.get_weights())
    assert chunked.get_layer("block").memory.get_config()["read_chunk"] == 16
    x = np.random.default_rng(0).normal(size=(2, 24, 1)).astype("float32")
    np.testing.assert_allclose(chunked.predict(x, verbose=0),
                               dense.predict(x, verbose=0), atol=1e-5)


@pytest.mark.parametrize(
    "name, hp, match",
    [
        ("nope", {}, "valid: cachevq"),
        ("vqlnmlp", {"units": 3}, "unknown hyperparameter.*valid:"),
        ("vqlnmlp", {"lr": 0}, "`lr` must be a number > 0"),
        ("vqlnmlp", {"epochs": -1}, "`epochs` must be an integer >= 0"),
        ("vqlnmlp", {"vocab_size": 0}, "vocab_size=0"),
        ("mhvqlnmlp", {"d_model": 10, "n_head": 4},
         "`n_head` must divide the feature size D=10. Received: n_head=4"),
        ("cachevq", {"sizes": (64, 32)}, "strictly increase"),
        ("vqlnmlp", {"pe": "sin", "d_model": 7}, "even D"),
        ("vqlnmlp", {"pe": "spiral"}, "`pe` must be one of"),
        ("vqlnmlp", {"read": "warm"}, "`read` must be one of"),
        ("vqmixer", {"n_mix": -1}, "`n_mix` must be an integer >= 0"),
        ("vqmixer", {"patch": 0}, "`patch` must be an integer >= 1"),
    ],
)
def test_bad_hyperparameters(name, hp, match):
    with pytest.raises(ValueError, match=match):
        models.build(name, **hp)


def test_every_hyperparameter_is_described():
    from kzoo.models.hparams import HYPERPARAMETERS

    keys = set().union(*(models.spec(n).defaults for n in NAMES))
    assert keys == set(HYPERPARAMETERS)


def test_check_settings_names_the_unknown_or_refused_key():
    models.check_settings({"lr": 1e-3, "cache": False}, ["lstm", "vqcache"])
    models.check_settings({"split": 0.5}, ["lstm"], extra={"split"})
    with pytest.raises(UsageError, match=r"unknown --set key\(s\) cache: "
                       "no model here has them; valid: .*units"):
        models.check_settings({"cache": False}, ["lstm"])
    with pytest.raises(UsageError, match="--set time_steps: set by the "
                       "task; valid: ar_order, batch_size"):
        models.check_settings({"time_steps": 8}, ["lstm"],
                              refused={"time_steps": "set by the task"})


def test_defaults_of_groups_models_by_default():
    groups = models.defaults_of("time_steps")
    assert "lstm" in groups[112] and "vqmixer" in groups[112]
    assert "vqlnmlp" in groups[96]
    assert sorted(sum(groups.values(), [])) == NAMES


def test_last_value_layer_contract():
    from layer_test import run_layer_test

    run_layer_test(models.LastValue, {}, (2, 5, 1), (2, 5, 1))


@pytest.mark.parametrize("name", ["lstm", "vqmixer", "linear"])
@pytest.mark.parametrize("change, revin", [(True, False), (False, True),
                                           (True, True)])
def test_forecast_options(tmp_path, name, change, revin):
    ts = 16
    spec = models.spec(name)
    hp = {"time_steps": ts, "change": change, "revin": revin}
    if "vocab_size" in spec.defaults:
        hp.update(vocab_size=8, patch=4)
    model = models.build(name, **hp)
    plain = models.build(name, **{**hp, "change": False, "revin": False})
    plain.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(3, ts, 1)).astype("float32")
    out, net = model.predict(x, verbose=0), plain.predict(x, verbose=0)
    if change and not revin:
        last = x if spec.target == "aligned" else x[:, -1]
        np.testing.assert_allclose(out, last + net, atol=1e-5)
    # A change model of a constant window forecasts the constant plus the
    # network's output for it; RevIN makes the output move with the level.
    if revin:
        shifted = model.predict(x + 5.0, verbose=0)
        np.testing.assert_allclose(shifted, out + 5.0, atol=1e-3)
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(
        x, verbose=0), out, atol=1e-6)


@pytest.mark.parametrize("name", ["lstm", "vqmixer", "linear"])
def test_ar_order_adds_a_linear_path(tmp_path, name):
    ts, order = 16, 4
    spec = models.spec(name)
    hp = {"time_steps": ts, "ar_order": order}
    if "vocab_size" in spec.defaults:
        hp.update(vocab_size=8, patch=4)
    model = models.build(name, **hp)
    plain = models.build(name, **{**hp, "ar_order": 0})
    path_layer = model.get_layer("ar_path")
    assert len(model.trainable_weights) == len(plain.trainable_weights) + 2
    plain.set_weights(_without(model, path_layer))
    x = np.random.default_rng(0).normal(size=(3, ts, 1)).astype("float32")
    # At initialisation the path is zero: the model is its network.
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               plain.predict(x, verbose=0), atol=1e-6)
    kernel = np.arange(1.0, order + 1, dtype="float32").reshape(order, 1, 1)
    path_layer.ar_kernel.assign(kernel)
    path_layer.ar_bias.assign(np.array([0.5], "float32"))
    lags = x[:, -order:, 0] @ kernel[:, 0, 0] + 0.5
    out, net = model.predict(x, verbose=0), plain.predict(x, verbose=0)
    last = out[:, -1] if spec.target == "aligned" else out
    net_last = net[:, -1] if spec.target == "aligned" else net
    np.testing.assert_allclose(last, net_last + lags[:, None], rtol=1e-5,
                               atol=1e-5)
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(
        x, verbose=0), out, atol=1e-6)


def _without(model, layer):
    """The model's weights less those of `layer` (in order)."""
    skip = {id(v) for v in layer.weights}
    return [keras.ops.convert_to_numpy(v) for v in model.weights
            if id(v) not in skip]


@pytest.mark.parametrize("revin", [False, True])
def test_noise_reaches_the_network_in_training_only(revin):
    # With RevIN the noise was added to a tensor the normalisation never
    # read: --noise did nothing (issue 26).
    hp = {"time_steps": 16, "revin": revin}
    noisy = models.build("linear", **hp, noise=0.5)
    clean = models.build("linear", **hp)
    clean.set_weights(noisy.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 16, 1)).astype("float32")
    inference = keras.ops.convert_to_numpy(noisy(x, training=False))
    np.testing.assert_allclose(
        inference, keras.ops.convert_to_numpy(clean(x, training=False)),
        atol=1e-6)
    training = keras.ops.convert_to_numpy(noisy(x, training=True))
    assert np.abs(training - inference).max() > 1e-3


def test_noise_beyond_keras_range_is_refused_naming_it():
    for value in (1.5, -0.1):
        with pytest.raises(UsageError, match=r"`noise` must be a number >= 0 "
                           rf"and <= 1.0. Received: noise={value}"):
            models.spec("lstm").hparams(noise=value)


def test_vqseasonal_reads_every_period_of_its_window():
    model = models.build("vqseasonal", time_steps=30, period=6,
                         long_period=42, recent=2, spread=1, vocab_size=4)
    layer = model.get_layer("codebook")
    assert layer.query_lags == (1, 2, 6)  # 42 is past the window
    assert layer.linear_lags == seasonal_lags(30, 6, 2, 1)
    # A period-6 series: the value 6 back predicts the next; solved, the
    # model recovers it (its window reads 5 earlier periods).
    rng = np.random.default_rng(0)
    values = np.tile(rng.normal(size=6), 60) + 0.01 * rng.normal(size=360)
    x, y = make_windows(values, 30, "last")
    layer.solve(x, y)
    error = np.mean((model.predict(x, verbose=0) - y) ** 2)
    assert error < 2e-4 < np.var(y)
    with pytest.raises(UsageError, match="long_period"):
        models.build("vqseasonal", time_steps=30, long_period=0)
