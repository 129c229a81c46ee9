"""The errors kzoo raises for bad input, apart from bugs.

A recipe turns these into one `error:` line and exit code 2; any other
exception is a bug inside kzoo and keeps its traceback (exit code 1).

- `UsageError`: a bad argument, flag or hyperparameter (a `ValueError`,
  as Keras raises for a layer's bad argument).
- `DataError`: a file, column, series or saved run that cannot be used.
- `RunBusy`: another process holds the run or cell (not a `ValueError`:
  nothing about the input is wrong).
"""


class UsageError(ValueError):
    """A bad argument, flag or hyperparameter."""


class DataError(ValueError):
    """Data (a file, a column, a series, a saved run) that cannot be used."""


class RunBusy(RuntimeError):
    """Another process holds the lock of a run, cell or cache file."""
