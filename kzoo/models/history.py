"""Hyperparameters added to a model after runs of it were recorded.

A finished run is found again by its key, a digest of its
hyperparameters (`kzoo.training.plan.Plan.keys`), and a study's cell by
its result key (`kzoo.benchmarks.study.reuse`). A setting added to a
model later gives every run of it a new key: without this table, every
earlier run of the model would be trained again, and a study would
refuse its saved cells as "measured with other settings". Each setting
added to a registered model is listed with the value that earlier runs
had in effect: hyperparameters without the setting are the same model as
the same hyperparameters with it at that value.
"""

import itertools

#: Setting -> the value every run recorded before it existed had in
#: effect. `key_lag` (session 24): `CodebookCache`'s keys read the input
#: `key_lag` steps back (`vqcache`, `mhvqcache`); before it, at the step.
ADDED = {"key_lag": 0}


def earlier_forms(hparams, added=None):
    """`hparams` as runs recorded before some added settings hold them.

    Every subset of the added settings that `hparams` holds at their
    earlier value left out, `hparams` itself first and the form without
    all of them last.

    >>> earlier_forms({"lr": 0.1, "key_lag": 0})
    [{'lr': 0.1, 'key_lag': 0}, {'lr': 0.1}]
    >>> earlier_forms({"lr": 0.1, "key_lag": 1})
    [{'lr': 0.1, 'key_lag': 1}]
    """
    added = ADDED if added is None else added
    neutral = [key for key, value in added.items()
               if key in hparams and _same(hparams[key], value)]
    return [{k: v for k, v in hparams.items() if k not in dropped}
            for size in range(len(neutral) + 1)
            for dropped in itertools.combinations(neutral, size)]


def normalised(hparams, added=None):
    """`hparams` without the added settings at their earlier value: equal
    for two records of the same model, whenever each was made.

    >>> normalised({"lr": 0.1, "key_lag": 0}) == normalised({"lr": 0.1})
    True
    """
    return earlier_forms(hparams, added)[-1]


def _same(value, earlier):
    # `True == 1` in Python; a setting's earlier value is matched in type.
    return type(value) is type(earlier) and value == earlier
