"""The blockwise computation of `CodebookCache`, against its definition."""
import numpy as np

from kzoo.layers.cached_attention import cached_attention

from references import np_causal_attention
from references import to_numpy

ATOL = 2e-5


def test_blockwise_attention_is_exact_and_stable_for_large_scores(rng):
    # Scores of a few hundred: a softmax without the per-query maximum
    # overflows float32.
    b, t, h, d, s = 2, 23, 3, 4, 5
    table = rng.normal(size=(h, s, d)).astype("float32")
    codes = rng.integers(0, s, size=(b, t, h)).astype("int32")
    key = table[np.arange(h), codes]
    query = (60 * rng.normal(size=(b, t, h, d))).astype("float32")
    value = rng.normal(size=(b, t, h, 6)).astype("float32")
    out = to_numpy(cached_attention(query, key, value, codes, table, 3))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, np_causal_attention(query, key, value),
                               atol=ATOL, rtol=1e-4)
