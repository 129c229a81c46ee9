import math
import statistics

import keras
import numpy as np
import pytest

from kzoo.layers import CodebookRecall
from kzoo.layers.codebook_recall import normal_levels
from kzoo.layers.codebook_recall import recall_read

from layer_test import run_layer_test
from references import to_numpy

ATOL = 1e-5


def np_bins(keys, levels):
    """`floor(L Phi(k))` in `[0, L - 1]`, float64."""
    cdf = 0.5 * (1 + np.vectorize(math.erf)(keys / math.sqrt(2)))
    return np.clip(np.floor(cdf * levels), 0, levels - 1).astype(int)


def np_recall(keys, values, levels, n_head):
    """`CodebookRecall` by its definition: for every step, a loop over the
    earlier steps of the same code (`O(T^2)`)."""
    batch, length, width = keys.shape
    group = width // n_head
    bins = np_bins(keys, levels).reshape(batch, length, n_head, group)
    codes = (bins * levels ** np.arange(group)).sum(-1)
    out = []
    for h in range(n_head):
        reads = np.zeros(values.shape)
        counts = np.zeros((batch, length, 1))
        for b in range(batch):
            for t in range(length):
                match = [j for j in range(t)
                         if codes[b, j, h] == codes[b, t, h]]
                counts[b, t] = len(match)
                if match:
                    reads[b, t] = values[b, [j + 1 for j in match]].mean(0)
        out += [reads, np.log1p(counts)]
    return np.concatenate(out, axis=-1)


def centred_keys(rng, shape, levels):
    """Keys at the centres of random equiprobable bins: few bins, so codes
    repeat, and no key near a bin edge (float32 and float64 agree)."""
    normal = statistics.NormalDist()
    bins = rng.integers(0, levels, size=shape)
    centres = np.array([normal.inv_cdf((b + 0.5) / levels)
                        for b in range(levels)])
    return centres[bins].astype("float32")


@pytest.mark.parametrize("n_head, width", [(1, 2), (2, 4), (4, 4)])
def test_matches_the_numpy_definition(rng, n_head, width):
    keys = centred_keys(rng, (2, 37, width), 2)
    values = rng.normal(size=(2, 37, 3)).astype("float32")
    layer = CodebookRecall(levels=2, n_head=n_head)
    out = to_numpy(layer([keys, values]))
    expected = np_recall(keys.astype(float), values.astype(float), 2,
                         n_head)
    assert out.shape == (2, 37, n_head * 4)
    np.testing.assert_allclose(out, expected, atol=ATOL)
    assert (expected[..., 3] > 0).mean() > 0.5  # most steps have a match


def test_a_longer_sequence_with_many_codes(rng):
    keys = centred_keys(rng, (1, 300, 2), 12)  # 144 codes, T = 300
    values = rng.normal(size=(1, 300, 1)).astype("float32")
    out = to_numpy(CodebookRecall(levels=12)([keys, values]))
    np.testing.assert_allclose(
        out, np_recall(keys.astype(float), values.astype(float), 12, 1),
        atol=ATOL)


def test_no_step_reads_a_later_value(rng):
    keys = centred_keys(rng, (2, 30, 2), 2)
    values = rng.normal(size=(2, 30, 1)).astype("float32")
    layer = CodebookRecall(levels=2)
    out = to_numpy(layer([keys, values]))
    later_keys, later_values = keys.copy(), values.copy()
    later_keys[:, 14:] = -later_keys[:, 14:]
    later_values[:, 14:] += 5.0
    moved = to_numpy(layer([later_keys, later_values]))
    np.testing.assert_allclose(moved[:, :14], out[:, :14], atol=ATOL)
    # Step 14 reads v_14 (its own value, after the key of step 13).
    only_value = to_numpy(layer([keys, later_values]))
    assert np.abs(only_value[:, 14] - out[:, 14]).max() > 1.0


def test_recall_read_sums_and_counts_per_code():
    codes = keras.ops.convert_to_tensor([[3, 1, 3, 3, 1, 0]], dtype="int32")
    values = keras.ops.convert_to_tensor(
        np.arange(1.0, 7.0, dtype="float32").reshape(1, 6, 1))
    reads, counts = recall_read(codes, values)
    # Code 3 at steps 0, 2, 3: step 2 reads v_1 = 2, step 3 (2 + 4) / 2.
    assert to_numpy(reads)[0, :, 0].tolist() == [0, 0, 2, 3, 3, 0]
    assert to_numpy(counts)[0].tolist() == [0, 0, 1, 2, 1, 0]


def test_the_bins_are_equiprobable_for_normal_keys(rng):
    keys = rng.normal(size=(200_000,)).astype("float32")
    bins = to_numpy(normal_levels(keras.ops.convert_to_tensor(keys), 8))
    assert bins.dtype == np.int32 and bins.min() == 0 and bins.max() == 7
    np.testing.assert_allclose(np.bincount(bins) / len(bins), 1 / 8,
                               atol=0.003)
    np.testing.assert_array_equal(bins, np_bins(keys.astype(float), 8))


def test_layer_contract(rng):
    keys = rng.normal(size=(2, 12, 4)).astype("float32")
    values = rng.normal(size=(2, 12, 3)).astype("float32")
    run_layer_test(CodebookRecall, {"levels": 5, "n_head": 2},
                   [(2, 12, 4), (2, 12, 3)], (2, 12, 8),
                   input_data=[keys, values])


@pytest.mark.parametrize("kwargs, shapes, match", [
    ({"levels": 1}, None, "`levels` must be an integer >= 2"),
    ({"levels": 4, "n_head": 0}, None, "`n_head` must be an integer >= 1"),
    ({"levels": 4, "n_head": 3}, [(None, 8, 4), (None, 8, 1)],
     "`n_head` must divide the key width K=4"),
    ({"levels": 2 ** 11, "n_head": 1}, [(None, 4096, 2), (None, 4096, 1)],
     "codes S=4194304 times steps T=4096 must be below 2\\^31"),
])
def test_bad_arguments(kwargs, shapes, match):
    with pytest.raises(ValueError, match=match):
        layer = CodebookRecall(**kwargs)
        layer.build(shapes)
