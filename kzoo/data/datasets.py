"""Dataset specs: `csv:PATH[:COLUMN]`, `laser`, `mackey_glass`."""

import dataclasses
import os

import numpy as np


class DataError(ValueError):
    """Bad input data: the message is one line that names the problem."""


@dataclasses.dataclass
class Series:
    """A univariate series and what is needed to plot it.

    Attributes:
        values: `(N,)` float64 values in original units.
        name: short name used in run names (`y_w` for `y+w.csv`).
        label: value axis label (the CSV header, with units).
        time: `(N,)` time axis or `None` (then the sample index is used).
        time_label: time axis label.
        spec: the spec string the series was loaded from.
    """

    values: np.ndarray
    name: str
    label: str
    time: np.ndarray = None
    time_label: str = "step"
    spec: str = ""


DATASETS = ("csv:PATH[:COLUMN]", "laser", "mackey_glass")


def load(spec):
    """Load a series from a dataset spec; `DataError` on bad input."""
    if not isinstance(spec, str) or not spec:
        raise DataError(f"empty dataset spec; valid: {', '.join(DATASETS)}")
    if spec.startswith("csv:"):
        rest = spec[4:]
        path, column = rest, None
        if not os.path.exists(rest) and ":" in rest:
            path, column = rest.rsplit(":", 1)
        series = load_csv(path, column)
    elif spec == "laser":
        from reservoirpy import datasets

        values = np.asarray(datasets.santafe_laser(), dtype=np.float64)
        series = Series(values.ravel(), "laser", "laser intensity")
    elif spec == "mackey_glass":
        from reservoirpy import datasets

        values = datasets.mackey_glass(2000, tau=17, seed=42)
        series = Series(
            np.asarray(values, dtype=np.float64).ravel(),
            "mackey_glass",
            "x (Mackey-Glass, tau=17)",
        )
    else:
        raise DataError(
            f"unknown dataset {spec!r}; valid: {', '.join(DATASETS)}"
        )
    series.spec = spec
    return series


def short_name(path):
    """The reference's dataset short name: CSV stem, `+` turned into `_`."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem.replace("+", "_")


def load_csv(path, column=None):
    """Read one numeric column of a CSV file (pandas).

    `column` defaults to the last column that is mostly numeric. If the
    first column is another column, it is kept as the time axis.
    """
    import pandas as pd

    if not os.path.isfile(path):
        raise DataError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error) else ""
        raise DataError(f"cannot read {path} as CSV: {first}") from None
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    if not columns or frame.empty:
        raise DataError(f"{path} has no data rows")
    if column is None:
        numeric = [
            c for c in columns
            if pd.to_numeric(frame[c], errors="coerce").notna().mean() >= 0.5
        ]
        if not numeric:
            raise DataError(
                f"{path} has no numeric column; columns: {', '.join(columns)}"
            )
        column = numeric[-1]
    elif column not in columns:
        raise DataError(
            f"column {column!r} not in {path}; columns: {', '.join(columns)}"
        )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(
        dtype=np.float64
    )
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        lines = ", ".join(str(i + 2) for i in bad[:10])
        more = f" and {bad.size - 10} more" if bad.size > 10 else ""
        raise DataError(
            f"column {column!r} of {path} has non-numeric or missing values "
            f"at line(s) {lines}{more}"
        )
    time, time_label = None, "step"
    if columns[0] != column:
        candidate = pd.to_numeric(frame[columns[0]], errors="coerce")
        if candidate.notna().all():
            time, time_label = candidate.to_numpy(np.float64), columns[0]
    return Series(values, short_name(path), column, time, time_label)
