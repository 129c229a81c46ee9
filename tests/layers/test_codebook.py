import keras
import numpy as np
import pytest

from kzoo.layers import Codebook
from kzoo.models import Model

from layer_test import run_layer_test
from references import np_hard_read
from references import np_soft_read
from references import to_numpy

ATOL = 1e-5


def _built(layer, x):
    layer(x)
    return layer


def test_soft_read_matches_numpy(rng):
    x = rng.normal(size=(3, 7, 8)).astype("float32")
    layer = _built(Codebook(16, return_codes=True), x)
    table = to_numpy(layer.codebook)
    assert table.shape == (16, 8)
    out, codes = layer(x)
    ref, ref_codes = np_soft_read(x, table, 1 / np.sqrt(8))
    np.testing.assert_allclose(to_numpy(out), ref, atol=ATOL)
    np.testing.assert_array_equal(to_numpy(codes), ref_codes)


def test_soft_temperature_and_scale(rng):
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    layer = _built(Codebook(8, temperature=0.5, scale=0.3), x)
    ref, _ = np_soft_read(x, to_numpy(layer.codebook), 0.3 / 0.5)
    np.testing.assert_allclose(to_numpy(layer(x)), ref, atol=ATOL)


def test_hard_read_matches_numpy(rng):
    x = rng.normal(size=(3, 7, 8)).astype("float32")
    layer = _built(Codebook(16, read="hard", return_codes=True), x)
    out, codes = layer(x)
    ref, ref_codes = np_hard_read(x, to_numpy(layer.codebook))
    np.testing.assert_array_equal(to_numpy(codes), ref_codes)
    np.testing.assert_allclose(to_numpy(out), ref, atol=ATOL)


def test_codebook_is_seedable_and_frozen_by_default():
    x = np.zeros((1, 2, 4), "float32")
    a = _built(Codebook(8, seed=3), x)
    b = _built(Codebook(8, seed=3), x)
    np.testing.assert_array_equal(to_numpy(a.codebook), to_numpy(b.codebook))
    assert not a.codebook.trainable
    assert a.trainable_weights == []
    assert _built(Codebook(8, train_codebook=True), x).codebook.trainable
    table = to_numpy(_built(Codebook(4096, seed=1), x).codebook)
    assert abs(table.std() - 1) < 0.05


def _vq_model(**kwargs):
    inputs = keras.Input((5, 2))
    hidden = keras.layers.Dense(4, name="encoder")(inputs)
    hidden = Codebook(8, name="codebook", **kwargs)(hidden)
    outputs = keras.layers.Dense(1, name="decoder")(hidden)
    return Model(inputs, outputs)


def _one_step(model, rng):
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = rng.normal(size=(16, 5, 2)).astype("float32")
    y = rng.normal(size=(16, 5, 1)).astype("float32")
    before = {w.path: to_numpy(w).copy() for w in model.weights}
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    after = {w.path: to_numpy(w) for w in model.weights}
    return {k: not np.allclose(before[k], after[k]) for k in before}


def test_straight_through_reaches_encoder_and_frozen_table_stays(rng):
    # commitment_weight = 0: the only path from the loss to the encoder is the
    # straight-through estimator.
    changed = _one_step(_vq_model(read="hard", commitment_weight=0.0), rng)
    assert changed["encoder/kernel"]
    assert not changed["codebook/codebook"]


def test_trainable_table_receives_gradients(rng):
    for read in ("soft", "hard"):
        changed = _one_step(_vq_model(read=read, train_codebook=True), rng)
        assert changed["codebook/codebook"], read
        assert changed["encoder/kernel"], read


def test_hard_losses_in_model_losses_and_fit_loss(rng):
    model = _vq_model(read="hard", train_codebook=True, commitment_weight=0.25)
    x = rng.normal(size=(16, 5, 2)).astype("float32")
    y = rng.normal(size=(16, 5, 1)).astype("float32")
    pred = to_numpy(model(x))
    assert len(model.losses) == 1
    encoder, layer = model.get_layer("encoder"), model.get_layer("codebook")
    z = to_numpy(encoder(x))
    q, _ = np_hard_read(z, to_numpy(layer.codebook))
    expected_aux = 1.25 * np.mean((z - q) ** 2)
    np.testing.assert_allclose(to_numpy(model.losses[0]), expected_aux,
                               rtol=1e-5)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert sorted(logs) == ["codebook_perplexity", "codebook_usage", "loss"]
    loss = logs["loss"]
    np.testing.assert_allclose(
        loss, np.mean((pred - y) ** 2) + expected_aux, rtol=1e-5
    )
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], loss, rtol=1e-5)


def test_commitment_only_for_frozen_table(rng):
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    layer = _built(Codebook(8, read="hard", commitment_weight=0.5), x)
    layer(x)
    q, _ = np_hard_read(x, to_numpy(layer.codebook))
    np.testing.assert_allclose(
        to_numpy(layer.losses[-1]), 0.5 * np.mean((x - q) ** 2), rtol=1e-5
    )


def test_ema_updates_only_when_training(rng):
    x = rng.normal(size=(4, 6, 4)).astype("float32")
    layer = _built(Codebook(8, read="hard", ema=True, decay=0.9), x)
    table0 = to_numpy(layer.codebook).copy()
    layer(x, training=False)
    np.testing.assert_array_equal(to_numpy(layer.codebook), table0)
    layer(x, training=True)
    # NumPy EMA: cluster sizes start at 1, sums at the table.
    flat = x.reshape(-1, 4)
    _, codes = np_hard_read(flat, table0)
    counts = np.bincount(codes, minlength=8).astype("float64")
    sums = np.zeros((8, 4))
    np.add.at(sums, codes, flat)
    cluster = 0.9 * 1.0 + 0.1 * counts
    sums = 0.9 * table0 + 0.1 * sums
    n = cluster.sum()
    smoothed = (cluster + 1e-5) / (n + 8 * 1e-5) * n
    np.testing.assert_allclose(
        to_numpy(layer.codebook), sums / smoothed[:, None], atol=ATOL
    )
    assert not layer.codebook.trainable


def test_dead_codes_are_reseeded_from_the_batch(rng):
    # All inputs sit next to row 0: every other row is dead after one step.
    layer = Codebook(6, read="hard", ema=True, dead_code_threshold=1, seed=0)
    x = np.zeros((2, 5, 3), "float32")
    layer(x)
    table = to_numpy(layer.codebook)
    x = (table[0] + 0.01 * rng.normal(size=(2, 5, 3))).astype("float32")
    layer(x, training=True)
    new = to_numpy(layer.codebook)
    rows = x.reshape(-1, 3)
    for v in range(1, 6):
        if np.allclose(new[v], table[v]):
            continue
        assert np.min(np.abs(rows - new[v]).max(-1)) < 1e-6
    assert sum(not np.allclose(new[v], table[v]) for v in range(1, 6)) >= 4


def test_perplexity_and_usage_match_numpy(rng):
    x = rng.normal(size=(3, 7, 8)).astype("float32")
    layer = _built(Codebook(16, read="hard"), x)
    layer(x)
    _, codes = np_hard_read(x, to_numpy(layer.codebook))
    p = np.bincount(codes.ravel(), minlength=16) / codes.size
    ppl = np.exp(-(p[p > 0] * np.log(p[p > 0])).sum())
    np.testing.assert_allclose(to_numpy(layer.perplexity), ppl, rtol=1e-4)
    np.testing.assert_allclose(to_numpy(layer.usage), (p > 0).mean(), rtol=1e-6)


@pytest.mark.parametrize("read", ["soft", "hard"])
def test_stats_in_fit_logs(rng, read):
    model = _vq_model(read=read)
    model.compile("adam", "mse")
    x = rng.normal(size=(32, 5, 2)).astype("float32")
    logs = model.fit(
        x, x[..., :1], epochs=1, verbose=0, validation_split=0.25
    ).history
    for key in ("codebook_perplexity", "codebook_usage",
                "val_codebook_perplexity", "val_codebook_usage"):
        assert key in logs
    assert 1.0 <= logs["codebook_perplexity"][0] <= 8.0
    assert 0.0 < logs["codebook_usage"][0] <= 1.0


@pytest.mark.parametrize(
    "kwargs, outputs, trainable, non_trainable",
    [
        ({}, (2, 5, 8), 0, 3),
        ({"read": "hard", "return_codes": True}, ((2, 5, 8), (2, 5)), 0, 3),
        ({"train_codebook": True, "temperature": 0.5, "scale": 0.2},
         (2, 5, 8), 1, 2),
        ({"read": "hard", "ema": True, "dead_code_threshold": 3,
          "commitment_weight": 0.3, "seed": 7}, (2, 5, 8), 0, 6),
    ],
)
def test_layer_contract(kwargs, outputs, trainable, non_trainable):
    # Non-trainable: the table (unless trained), perplexity, usage; EMA
    # adds cluster sizes, sums and the unused-step counters.
    run_layer_test(Codebook, {"vocab_size": 16, **kwargs}, (2, 5, 8),
                   outputs, trainable, non_trainable)


def test_dynamic_time_axis(rng):
    inputs = keras.Input((None, 4))
    model = Model(inputs, Codebook(8)(inputs))
    for t in (96, 112):
        x = rng.normal(size=(2, t, 4)).astype("float32")
        assert tuple(model.predict(x, verbose=0).shape) == (2, t, 4)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"vocab_size": 0}, "vocab_size"),
        ({"vocab_size": 2**31}, "vocab_size"),
        ({"vocab_size": 4, "read": "medium"}, "read"),
        ({"vocab_size": 4, "commitment_weight": -1}, "commitment_weight"),
        ({"vocab_size": 4, "temperature": 0}, "temperature"),
        ({"vocab_size": 4, "decay": 1.5}, "decay"),
        ({"vocab_size": 4, "ema": True}, "ema"),
        ({"vocab_size": 4, "read": "hard", "ema": True,
          "train_codebook": True}, "train_codebook"),
        ({"vocab_size": 4, "read": "hard", "dead_code_threshold": 2},
         "dead_code_threshold"),
    ],
)
def test_bad_configuration(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Codebook(**kwargs)
