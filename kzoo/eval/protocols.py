"""The standard forecast protocols: one definition of each part and score.

Every model, kzoo's and the peers' alike, is scored through these:

- Santa Fe laser (`laser`): fit on points 1-1000 (indices
  `0..LASER_TRAIN-1`), z-scored with their statistics; forecast points
  1001-1100 (`LASER_HORIZON` values) by feeding forecasts back, and each of
  them from the true history. Scores: `rollout_nmse`, `one_step_nmse`
  (NMSE over the variance of the 100 true values).
- Mackey-Glass (`mackey_glass`, tau = 17, the 100-point transient
  dropped): fit on the first `MG_TRAIN` values, forecast the following
  `MG_TEST`: one-step NRMSE, and `MG_HORIZON`-step fed-back NRMSE from
  `MG_STARTS` starts spread evenly over the test part (pooled, and at the
  last step only, as Jaeger's NRMSE84). The normaliser is the standard
  deviation of the test part's true values.
- The logistic map (`logistic`, r = 4): the same parts as Mackey-Glass
  (`LOGISTIC_TRAIN` values to fit on, `LOGISTIC_TEST` to forecast), one
  value determining the next. Scores: one-step NMSE (over the test
  part's variance) and the fed-back horizon, `fed_back_horizon`: the
  number of steps for which the NRMSE of `LOGISTIC_STARTS` fed-back
  forecasts, step by step, stays within `LOGISTIC_THRESHOLD` (0.1). The
  map doubles an error each step on average (Lyapunov exponent ln 2), so
  halving the one-step error buys about one step.

>>> mackey_glass_starts()[:3], len(mackey_glass_starts())
(array([2000, 2022, 2044]), 20)
>>> int(fed_back_horizon([[0.0, 0.05, 0.3]], [[0.0, 0.0, 0.0]], 1.0))
2
>>> LASER_SPEC
'laser[0:1000]'
"""

import dataclasses

import numpy as np

from kzoo.eval.metrics import nmse
from kzoo.eval.metrics import nrmse

LASER_TRAIN = 1000
LASER_HORIZON = 100
LASER_SPEC = f"laser[0:{LASER_TRAIN}]"
LASER_TEST_LABEL = f"{LASER_TRAIN + 1}-{LASER_TRAIN + LASER_HORIZON}"

MG_TRAIN = 2000
MG_TEST = 500
MG_HORIZON = 84
MG_STARTS = 20
MG_SERIES = f"mackey_glass:{MG_TRAIN + MG_TEST}"
MG_SPEC = f"{MG_SERIES}[0:{MG_TRAIN}]"

LOGISTIC_TRAIN = 2000
LOGISTIC_TEST = 500
LOGISTIC_HORIZON = 40
LOGISTIC_STARTS = 20
LOGISTIC_THRESHOLD = 0.1
LOGISTIC_SERIES = f"logistic:{LOGISTIC_TRAIN + LOGISTIC_TEST}"
LOGISTIC_SPEC = f"{LOGISTIC_SERIES}[0:{LOGISTIC_TRAIN}]"


@dataclasses.dataclass(frozen=True)
class FedBack:
    """A protocol that fits on a series' first `train` values and forecasts
    the `test` after them: one step at a time, and fed back `horizon` steps
    from `count` starts spread evenly over the test part.

    `series` is the dataset spec of the whole series; `scores(z, one_step,
    rollouts)` scores its forecasts (z-scored).
    """

    series: str
    train: int
    test: int
    horizon: int
    count: int
    scores: object

    @property
    def spec(self):
        """The spec of the part a model is fitted on."""
        return f"{self.series}[0:{self.train}]"

    def starts(self):
        """The start points of the fed-back forecasts (indices)."""
        starts = np.linspace(self.train, self.train + self.test
                             - self.horizon, self.count)
        return starts.round().astype(int)

    def parts(self, z, rollouts):
        """`(test part, (S, H) truths of the rollouts, rollouts, the test
        part's deviation)` of the z-scored series `z`."""
        z = np.asarray(z)
        part = z[self.train:self.train + self.test]
        truth = z[self.starts()[:, None] + np.arange(self.horizon)]
        return part, truth, np.asarray(rollouts), float(np.std(part))


def mackey_glass_starts():
    """The `MG_STARTS` start points of the fed-back forecasts (indices)."""
    return MACKEY_GLASS.starts()


def logistic_starts():
    """The `LOGISTIC_STARTS` start points of the logistic map's fed-back
    forecasts (indices)."""
    return LOGISTIC.starts()


def nrmse_by_step(rollouts, truth, scale):
    """`(H,)`: the NRMSE of `(S, H)` fed-back forecasts at each step, over
    the `S` starts."""
    err = np.asarray(rollouts, np.float64) - np.asarray(truth, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.sqrt(np.mean(err**2, axis=0)) / scale


def fed_back_horizon(rollouts, truth, scale, threshold=LOGISTIC_THRESHOLD):
    """Steps before the step-by-step NRMSE first passes `threshold`.

    The count of leading steps whose NRMSE over the starts
    (`nrmse_by_step`) is at most `threshold`: 0 when the first forecast
    already misses, `H` (a lower bound) when none does. A diverged step
    (`nan`, `inf`) counts as passed.
    """
    within = nrmse_by_step(rollouts, truth, scale) <= threshold
    missed = np.flatnonzero(~within)
    return int(missed[0]) if missed.size else int(within.size)


def laser_scores(z, rollout, one_step):
    """Scores of a laser forecast (z-scored, `(LASER_HORIZON,)` each).

    Args:
        z: the whole z-scored series (the truth is
            `z[LASER_TRAIN:LASER_TRAIN + LASER_HORIZON]`).
        rollout: the fed-back forecast of those points.
        one_step: each of them forecast from the true history.
    """
    truth = np.asarray(z[LASER_TRAIN:LASER_TRAIN + LASER_HORIZON])
    return {"rollout_nmse": nmse(rollout, truth),
            "one_step_nmse": nmse(one_step, truth), "truth": truth}


def mackey_glass_scores(z, one_step, rollouts):
    """Scores of the Mackey-Glass forecasts (z-scored).

    Args:
        z: the z-scored series of `MG_TRAIN + MG_TEST` values.
        one_step: `(MG_TEST,)` forecasts of the test part from the true
            history.
        rollouts: `(MG_STARTS, MG_HORIZON)` fed-back forecasts from
            `mackey_glass_starts()`.
    """
    test, truth, rollouts, scale = MACKEY_GLASS.parts(z, rollouts)
    return {"one_step_nrmse": nrmse(one_step, test, scale),
            "rollout_nrmse": nrmse(rollouts, truth, scale),
            "nrmse_at_horizon": nrmse(rollouts[:, -1], truth[:, -1], scale),
            "truth": truth[0]}


def logistic_scores(z, one_step, rollouts):
    """Scores of the logistic map's forecasts (z-scored).

    Args:
        z: the z-scored series of `LOGISTIC_TRAIN + LOGISTIC_TEST` values.
        one_step: `(LOGISTIC_TEST,)` forecasts of the test part from the
            true history.
        rollouts: `(LOGISTIC_STARTS, LOGISTIC_HORIZON)` fed-back forecasts
            from `logistic_starts()`.

    Returns:
        dict: `one_step_nmse`, `horizon` (`fed_back_horizon`, steps),
        `rollout_nrmse` (pooled), `nrmse_by_step` and `truth` (the first
        start's).
    """
    test, truth, rollouts, scale = LOGISTIC.parts(z, rollouts)
    return {"one_step_nmse": nmse(one_step, test),
            "horizon": fed_back_horizon(rollouts, truth, scale),
            "rollout_nrmse": nrmse(rollouts, truth, scale),
            "nrmse_by_step": nrmse_by_step(rollouts, truth, scale),
            "truth": truth[0]}


MACKEY_GLASS = FedBack(MG_SERIES, MG_TRAIN, MG_TEST, MG_HORIZON, MG_STARTS,
                       mackey_glass_scores)
LOGISTIC = FedBack(LOGISTIC_SERIES, LOGISTIC_TRAIN, LOGISTIC_TEST,
                   LOGISTIC_HORIZON, LOGISTIC_STARTS, logistic_scores)
