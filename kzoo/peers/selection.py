"""Choosing a peer's settings on a validation part.

The validation part `z_val` is the stretch right after `z_train` (both
z-scored with the same statistics). Each candidate is fitted on `z_train`
and scored on `z_val` by NMSE (mean squared error over the variance of
`z_val`):

- `criterion="one_step"`: forecasts of every value of `z_val` from the
  true history (`one_step(z, len(z_train), len(z))`);
- `criterion="rollout"`: fed-back forecasts of `horizon` steps from
  `n_starts` starts spread evenly over `z_val` (the last one at
  `len(z) - horizon`), all steps of all starts pooled.

A score that is not finite (a diverging rollout) counts as infinite. The
chosen candidate is then fitted again on `z_train` followed by `z_val`
(`refit=True`, the default), so the final peer sees the whole training
part, as kzoo's neural models do.
"""

import dataclasses
import itertools

import numpy as np

from kzoo.errors import UsageError
from kzoo.eval.metrics import nmse
from kzoo.layers.checks import check_choice
from kzoo.layers.checks import check_int
from kzoo.layers.checks import check_number
from kzoo.peers.base import as_series
from kzoo.peers.esn import EchoStateNetwork
from kzoo.peers.linear import LinearAR

CRITERIA = ("one_step", "rollout")

#: `select_ar`'s default candidate orders: a roughly geometric ladder
#: (x1.5) up to 128. Orders needing more training values than there are
#: are left out.
AR_ORDERS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)

#: `select_esn`'s default grid (48 settings, 24 reservoirs: the ridge
#: values share one reservoir run). Other settings are `EchoStateNetwork`'s
#: defaults (bias_scaling 0.3, warmup 100, seed 0) unless given.
ESN_GRID = {
    "units": (300, 500),
    "spectral_radius": (0.9, 1.1, 1.25),
    "leak_rate": (0.3, 1.0),
    "input_scaling": (0.5, 1.0),
    "ridge": (1e-7, 1e-5),
}


@dataclasses.dataclass
class Selection:
    """How a peer's settings were chosen (`peer.selection`).

    Attributes:
        criterion: `"one_step"` or `"rollout"`.
        horizon: rollout steps (`None` for one-step).
        scores: `[(settings, validation NMSE), ...]` in candidate order.
        best: the chosen settings.
        score: their validation NMSE.
        refit: whether the chosen peer was refitted on train + validation.
    """

    criterion: str
    horizon: int
    scores: list
    best: dict
    score: float
    refit: bool


def validation_score(peer, z_train, z_val, criterion="one_step",
                     horizon=None, n_starts=10):
    """NMSE on `z_val` of a peer fitted on `z_train` (see module doc)."""
    z = np.concatenate([z_train, z_val])
    with np.errstate(over="ignore", invalid="ignore"):
        if criterion == "one_step":
            pred, truth = peer.one_step(z, len(z_train), len(z)), z_val
        else:
            starts = np.unique(np.linspace(
                len(z_train), len(z) - horizon, n_starts).round().astype(int))
            pred = peer.rollout(z, starts, horizon)
            truth = z[starts[:, None] + np.arange(horizon)]
    # Normalised by the validation part's variance, whatever is scored.
    score = nmse(pred, truth, variance=float(np.var(z_val)))
    return score if np.isfinite(score) else float("inf")


def choose(scores, tolerance=0.0):
    """The first `(settings, score)` of `scores` within `(1 + tolerance)`
    times the best score (candidates simplest first: parsimony)."""
    best_score = min(s for _, s in scores)
    return next((c, s) for c, s in scores
                if s <= best_score * (1 + tolerance))


def select(build, candidates, z_train, z_val, criterion="one_step",
           horizon=None, n_starts=10, refit=True, tolerance=0.0):
    """Fit and score every candidate; return the chosen peer, fitted.

    Args:
        build: `build(**settings)` returns an unfitted peer.
        candidates: a list of settings dicts, simplest first.
        z_train: `(N,)` z-scored training values.
        z_val: `(M,)` the values right after them.
        criterion: `"one_step"` or `"rollout"`.
        horizon: rollout steps (criterion `"rollout"`), <= `len(z_val)`.
        n_starts: rollout starts spread over `z_val`.
        refit: fit the chosen peer again on `z_train` + `z_val`.
        tolerance: choose the first candidate whose score is within
            `(1 + tolerance)` times the best (0: the best itself).

    Returns:
        The chosen peer, fitted, with `peer.selection` (a `Selection`).
    """
    check_choice("criterion", criterion, CRITERIA)
    z_train = as_series("z_train", z_train)
    z_val = as_series("z_val", z_val, min_length=2)
    if criterion == "rollout":
        check_int("horizon", horizon, 1, len(z_val))
        check_int("n_starts", n_starts)
    else:
        horizon = None
    check_number("tolerance", tolerance, minimum=0, strict=False)
    candidates = list(candidates)
    if not candidates:
        raise UsageError("`candidates` must not be empty. Received: []")
    scores = [(c, validation_score(build(**c).fit(z_train), z_train, z_val,
                                   criterion, horizon, n_starts))
              for c in candidates]
    best, score = choose(scores, tolerance)
    data = np.concatenate([z_train, z_val]) if refit else z_train
    peer = build(**best).fit(data)
    peer.selection = Selection(criterion, horizon, scores, best, score,
                               refit)
    return peer


def select_ar(z_train, z_val, orders=None, ridge=0.0, tolerance=0.01,
              **kwargs):
    """`LinearAR` with its order chosen on `z_val`.

    `orders` defaults to `AR_ORDERS`, keeping those `z_train` can fit.
    `tolerance=0.01`: the smallest order within 1% of the best score wins
    (parsimony). Other arguments as `select`.
    """
    z_train = as_series("z_train", z_train)
    largest = (len(z_train) - 2) // 2  # LinearAR.min_train_length
    if largest < 1:
        raise UsageError(
            f"`z_train` must have at least 4 values. Received: z_train of "
            f"length {len(z_train)}")
    if orders is None:
        orders = [p for p in AR_ORDERS if p <= largest]
    orders = sorted(orders)
    for order in orders:
        check_int("orders", order, 1, largest)
    return select(LinearAR, [{"order": p, "ridge": ridge} for p in orders],
                  z_train, z_val, tolerance=tolerance, **kwargs)


def select_esn(z_train, z_val, grid=None, criterion="one_step", horizon=None,
               n_starts=10, refit=True, **fixed):
    """`EchoStateNetwork` with settings chosen on `z_val` from a grid.

    Args:
        grid: `{argument: candidate values}`, every combination tried;
            defaults to `ESN_GRID`.
        **fixed: other `EchoStateNetwork` arguments (`seed`, `warmup`,
            `bias_scaling`, ...), the same for every candidate.
        Others as `select` (no tolerance: the best score wins).

    Candidates with the same reservoir settings share one reservoir run
    (only the readout is fitted again for each `ridge`).
    """
    grid = dict(ESN_GRID if grid is None else grid)
    known = set(EchoStateNetwork().get_config())
    unknown = sorted((set(grid) | set(fixed)) - known)
    if unknown:
        raise UsageError(
            f"`grid` and fixed settings must be among {sorted(known)}. "
            f"Received: {unknown[0]}")
    overlap = sorted(set(grid) & set(fixed))
    if overlap:
        raise UsageError(f"`{overlap[0]}` is both in `grid` and fixed")
    ridges = grid.pop("ridge", (fixed.pop("ridge", 1e-7),))
    keys = sorted(grid)
    candidates = [dict(zip(keys, values), ridge=r)
                  for values in itertools.product(*(grid[k] for k in keys))
                  for r in ridges]
    z_all = np.concatenate([as_series("z_train", z_train),
                            as_series("z_val", z_val)])
    shared = {}

    def build(ridge, **settings):
        key = tuple(sorted(settings.items()))
        if key not in shared:
            shared.clear()  # one reservoir's states in memory at a time
            shared[key] = EchoStateNetwork(**settings, **fixed)
            shared[key].states(z_all)
        return shared[key]._with_ridge(ridge)

    return select(build, candidates, z_train, z_val, criterion, horizon,
                  n_starts, refit)
