"""A univariate series, and the errors bad data raise."""

import dataclasses

import numpy as np

from kzoo.errors import DataError  # noqa: F401 (kzoo.data.DataError)

# Errors are scored in original units: their squares must stay finite.
MAX_MAGNITUDE = 1e150


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
        source: where the values come from, in words (the column and file).
        encoding: the text encoding a CSV file was read with, or `None`.
        range: `(start, end)` when the series is the points `start:end` of
            the series `base_spec` (a `SPEC[START:END]` spec), else `None`.
        base_spec: the spec of that whole series.
    """

    values: np.ndarray
    name: str
    label: str
    time: np.ndarray = None
    time_label: str = "step"
    spec: str = ""
    source: str = ""
    encoding: str = None
    range: tuple = None
    base_spec: str = None

    def describe(self):
        """One line for the top of a recipe's output: what is modelled."""
        where = f"{self.source}, " if self.source else ""
        axis = (f", time axis {self.time_label!r}" if self.time is not None
                else "")
        return f"data: {self.spec} ({where}{len(self.values)} values{axis})"


def check_values(values, what):
    """`DataError` unless every value is finite and below `MAX_MAGNITUDE`."""
    values = np.asarray(values, np.float64)
    if values.size == 0:
        raise DataError(f"{what} has no values")
    if not np.all(np.isfinite(values)):
        raise DataError(f"{what} has non-finite values")
    largest = float(np.max(np.abs(values)))
    if largest > MAX_MAGNITUDE:
        raise DataError(
            f"{what} has values as large as {largest:.3g}: kzoo scores "
            f"squared errors in original units, so |values| must stay below "
            f"{MAX_MAGNITUDE:.0e}; rescale the column"
        )
