"""Whether a study may reuse a cell's saved result, and why not.

A result is reused only under its own key (`measure.result_key`: what
produced it). A measurement under another key is refused (`DataError`,
one line naming what differs): nothing measured is overwritten. A result
that is not final is measured again: a failed measurement (its process
died, say killed by the OOM killer), a skip by a time limit other than
the command's, a failure or skip under another key, a damaged file (not
JSON, or not a cell).

>>> key = {"seeds": [0], "hparams": {"epochs": 100, "lr": 0.001},
...        "recall": {"lags": [8, 32], "epochs": 30}, "horizon": None}
>>> measured, asked = differences(
...     {**key, "seeds": [0, 1], "hparams": {"epochs": 1, "lr": 0.001},
...      "horizon": 20}, key)
>>> measured
'seeds [0, 1], 1 epoch and horizon 20'
>>> asked
'seeds [0], 100 epochs and horizon to the end of the series'
"""

import json

from kzoo import storage
from kzoo.benchmarks.study import measure
from kzoo.errors import DataError
from kzoo.models import history

RESULT_FIELDS = ("runs", "skipped", "failed")


def verdict(path, config):
    """`(cell, why)` for the saved result at `path` under `config`.

    - `(None, None)`: no result yet.
    - `(cell, None)`: a final result of the same key: reuse it.
    - `(cell, why)` or `(None, why)`: not final (failed, skipped under
      another limit, damaged): measure it again; `why` says why.

    Raises:
        DataError: a final result measured under another key.
    """
    try:
        cell = storage.read_json(path)
    except ValueError as error:
        return None, f"{path} is damaged (not JSON: {error})"
    if cell is None:
        return None, None
    if not isinstance(cell, dict) or not any(k in cell
                                             for k in RESULT_FIELDS):
        return None, (f"{path} is damaged (not a study cell: "
                      f"{json.dumps(cell)[:40]})")
    key = cell.get("key")
    finished = "runs" in cell and "failed" not in cell
    if not isinstance(key, dict):
        if not finished:
            return None, (f"{path}, from an earlier version, holds no "
                          f"measurement ({cell.get('skipped')})")
        raise DataError(
            f"{path} was measured by an earlier version of the study (it "
            "holds no key of what produced it): give another --out, or "
            "move it away to measure it again")
    wanted = measure.result_key(config)
    by_limit = "limit_s" in key
    limit = key.get("limit_s")
    key = {k: v for k, v in key.items() if k != "limit_s"}
    key, wanted = _settings_as_now(key), _settings_as_now(wanted)
    extra = _MEASURES if config.get("reference") else _TASKS
    if key != wanted and _covers(key, wanted, extra):
        key = wanted  # measured for more families or tasks: reuse it
    if key != wanted:
        measured, asked = differences(key, wanted)
        if finished and _covers({**key, **extra}, {**wanted, **extra},
                                extra):
            what = ("the LSTM measured for other families"
                    if config.get("reference") else "this cell measured")
            return None, (f"{path} holds {what} ({measured}; this command "
                          f"needs {asked}): measured again, its finished "
                          "runs reused")
        if not finished:  # nothing measured to lose
            return None, (f"{path} holds no measurement "
                          f"({cell.get('skipped')}), and was tried with "
                          f"{measured}")
        raise DataError(
            f"{path} was measured with {measured}; this command asks for "
            f"{asked}: give the same flags (--seeds, --epochs, --quick), or "
            "another --out")
    if "failed" in cell:
        return cell, f"its last measurement failed: {cell['failed']}"
    if by_limit and limit != config.get("limit_s"):
        return cell, (f"skipped under a limit of {_minutes(limit)}, this "
                      f"command's limit is {_minutes(config.get('limit_s'))}")
    return cell, None


def _settings_as_now(key):
    """`key` with its hyperparameters compared as the same model whenever
    recorded (`kzoo.models.history`: settings added since)."""
    if not isinstance(key.get("hparams"), dict):
        return key
    return {**key, "hparams": history.normalised(key["hparams"])}


# The measures of the LSTM that depend on the study's families, and the
# window tasks of any result: a result may hold more of them than asked.
_MEASURES = {"recall": None, "logistic": None, "tasks": None}
_TASKS = {"tasks": None}


def _covers(measured, wanted, extra):
    """Whether `measured` is `wanted`, or `wanted` with more of the
    measures `extra` (`_MEASURES` or `_TASKS`): the logistic map, recall
    at more lags (the same epochs and series at the lags wanted), more
    window tasks (the same plan for those wanted)."""
    if any(measured.get(k) != v for k, v in wanted.items()
           if k not in extra):
        return False
    return all(wanted.get(k) in (None, measured.get(k))
               or (k == "recall" and _more_lags(measured.get(k),
                                                wanted.get(k)))
               or (k == "tasks" and _more_tasks(measured.get(k),
                                                wanted.get(k)))
               for k in extra)


def _more_tasks(measured, wanted):
    """Whether the window tasks `measured` hold every task of `wanted`,
    each with the same plan."""
    return isinstance(measured, dict) and all(
        measured.get(name) == chosen for name, chosen in wanted.items())


def _more_lags(measured, wanted):
    """Whether the recall plan `measured` holds every lag of `wanted`."""
    if not isinstance(measured, dict) or not isinstance(wanted, dict):
        return False
    if any(measured.get(k) != wanted.get(k) for k in ("epochs", "settings")):
        return False
    series = dict(zip(measured.get("lags", ()), measured.get("series", ())))
    return all(lag in series and series[lag] == s
               for lag, s in zip(wanted.get("lags", ()),
                                 wanted.get("series", ())))


def _minutes(limit_s):
    return "none" if limit_s is None else f"{limit_s / 60:g} min"


def _phrase(name, value):
    if name == "seeds":
        return f"seeds {value}"
    if name == "epochs":
        return _epochs(value)
    if name == "horizon":
        return ("horizon to the end of the series" if value is None
                else f"horizon {value}")
    if name == "recall":
        return ("no recall" if value is None else
                f"recall lags {value.get('lags')} of "
                f"{_epochs(value.get('epochs'))}")
    if name in ("series", "recall series") and isinstance(value, list):
        return f"recall series {[v.get('data_sha1') for v in value]}"
    if name == "series" and isinstance(value, dict):
        return f"series {value.get('spec')} of SHA-1 {value.get('data_sha1')}"
    if name == "version":
        return f"measuring code version {value}"
    if name == "tasks":
        return ("no window task" if not value else "window tasks " + ", ".join(
            f"{task} ({_epochs(p.get('epochs'))}, {p.get('task')})"
            for task, p in value.items()))
    return f"{name} {value}"


def _epochs(count):
    return f"{count} epoch" + ("" if count == 1 else "s")


def _join(phrases):
    if len(phrases) < 2:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def differences(measured, wanted):
    """`(measured, asked)`: the phrases of every field where keys differ."""
    left, right = [], []
    for name in sorted(set(measured) | set(wanted), key=_order):
        a, b = measured.get(name), wanted.get(name)
        if a == b:
            continue
        if name == "hparams" and isinstance(a, dict) and isinstance(b, dict):
            for hp in sorted(set(a) | set(b)):
                if a.get(hp) != b.get(hp):
                    left.append(_phrase(hp, a.get(hp)))
                    right.append(_phrase(hp, b.get(hp)))
            continue
        if (name == "recall" and isinstance(a, dict) and isinstance(b, dict)
                and (a.get("lags"), a.get("epochs")) == (b.get("lags"),
                                                         b.get("epochs"))):
            name, a, b = "recall series", a.get("series"), b.get("series")
        left.append(_phrase(name, a))
        right.append(_phrase(name, b))
    return _join(left), _join(right)


def _order(name):
    first = ("version", "backend", "model", "seeds", "hparams", "recall",
             "horizon")
    return (first.index(name) if name in first else len(first), name)
