"""Reading one column of a CSV file as a series (pandas)."""

import os

import numpy as np

from kzoo.data.series import DataError
from kzoo.data.series import Series
from kzoo.data.series import check_values

# Compressed files pandas reads by their extension.
_COMPRESSED = (".gz", ".bz2", ".xz", ".zip", ".zst", ".tar")


def short_name(path):
    """The reference's dataset short name: the file's stem, `+` as `_`.

    `y+w.csv` and `y+w.csv.gz` are both `y_w`.
    """
    name = os.path.basename(path)
    while True:
        stem, extension = os.path.splitext(name)
        if extension.lower() not in _COMPRESSED or not stem:
            break
        name = stem
    return os.path.splitext(name)[0].replace("+", "_")


def load_csv(path, column=None, encoding=None):
    """Read one numeric column of a CSV file.

    Args:
        path: the file (compressed files are read by their extension).
        column: the column to model; default the last mostly-numeric
            column other than the first. The first column, when it is not
            the modelled one and is numeric, is the time axis; it is
            modelled only when named.
        encoding: the file's text encoding (default UTF-8).

    Raises:
        DataError: one line naming the problem (missing file or column,
            undecodable text, non-numeric or missing cells with their line
            numbers, values too large to score).
    """
    import pandas as pd

    if not os.path.isfile(path):
        raise DataError(f"no such file: {path}")
    encoding = encoding or "utf-8"
    try:
        frame = pd.read_csv(path, encoding=encoding)
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        raise DataError(
            f"cannot read {path} as {encoding} text (byte "
            f"{error.object[error.start:error.start + 1]!r} at position "
            f"{error.start}); give its encoding, e.g. --encoding latin-1"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError,
            EOFError, ValueError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"cannot read {path} as CSV: {first}") from None
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    if not columns or frame.empty:
        raise DataError(f"{path} has no data rows")
    if column is None:
        column = _default_column(frame, columns, path)
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
    check_values(values, f"column {column!r} of {path}")
    time, time_label = None, "step"
    if columns[0] != column:
        candidate = pd.to_numeric(frame[columns[0]], errors="coerce")
        if candidate.notna().all():
            time, time_label = candidate.to_numpy(np.float64), columns[0]
    return Series(values, short_name(path), column, time, time_label,
                  source=f"column {column!r} of {path}")


def _default_column(frame, columns, path):
    """The last mostly-numeric column; never the time axis unless alone."""
    import pandas as pd

    numeric = [
        c for c in columns
        if pd.to_numeric(frame[c], errors="coerce").notna().mean() >= 0.5
    ]
    if not numeric:
        raise DataError(
            f"{path} has no numeric column; columns: {', '.join(columns)}"
        )
    column = numeric[-1]
    if column == columns[0] and len(columns) > 1:
        raise DataError(
            f"the only numeric column of {path} is its first, {column!r}, "
            f"which csv: takes as the time axis (columns: "
            f"{', '.join(columns)}); name the column to model, e.g. "
            f"csv:{path}:{column}"
        )
    return column
