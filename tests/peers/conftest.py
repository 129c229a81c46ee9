import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed():
    """The peers are NumPy and reservoirpy, seeded by argument: skip the
    suite's Keras seeding and `clear_session` (about 0.5 s a test)."""
    yield


def ar_series(coef, n, seed=0, noise=0.1, intercept=0.0):
    """`z_t = intercept + sum_k coef[k] z_{t-1-k} + noise * e_t`, after a
    200-value burn-in."""
    rng = np.random.default_rng(seed)
    p = len(coef)
    z = np.zeros(n + 200)
    for t in range(p, len(z)):
        z[t] = (intercept + np.dot(coef, z[t - p:t][::-1])
                + noise * rng.standard_normal())
    return z[200:]


@pytest.fixture(name="ar_series", scope="session")
def _ar_series():
    """`ar_series(coef, n, seed=0, noise=0.1, intercept=0.0)`."""
    return ar_series
