"""Argument checks shared by the layers' `__init__` and `build`.

Every check raises `ValueError` naming the argument and the value received,
in Keras's style: "`vocab_size` must be an integer >= 1. Received:
vocab_size=0". The model registry, the peers and the recipes rely on these
checks rather than repeating them. Plain Python: no backend needed.
"""

import math
import numbers

from kzoo.errors import UsageError

# Codes are int32 on every backend.
MAX_INT32 = 2**31 - 1


def check_int(name, value, minimum=1, maximum=None):
    """`ValueError` unless `value` is an int in `[minimum, maximum]`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bound = f">= {minimum}" if maximum is None else (
            f"in [{minimum}, {maximum}]")
        raise UsageError(
            f"`{name}` must be an integer {bound}. Received: {name}={value!r}"
        )


def check_number(name, value, minimum=None, strict=True, maximum=None):
    """`ValueError` unless `value` is a finite real number in the bounds.

    `strict`: `value > minimum`; otherwise `value >= minimum`. `maximum` is
    inclusive.
    """
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value))
    if ok and minimum is not None:
        ok = value > minimum if strict else value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        bound = "" if minimum is None else (
            f" {'>' if strict else '>='} {minimum}")
        if maximum is not None:
            bound += f" and <= {maximum}"
        raise UsageError(
            f"`{name}` must be a number{bound}. Received: {name}={value!r}"
        )


def check_fraction(name, value):
    """`ValueError` unless `value` is a number in the open interval (0, 1)."""
    if (not isinstance(value, (int, float)) or isinstance(value, bool)
            or not 0.0 < value < 1.0):
        raise UsageError(
            f"`{name}` must be a number in (0, 1). Received: {name}={value!r}"
        )


def check_choice(name, value, choices):
    """`ValueError` unless `value` is one of `choices`."""
    if value not in choices:
        raise UsageError(
            f"`{name}` must be one of {tuple(choices)}. "
            f"Received: {name}={value!r}"
        )


def check_read_chunk(value):
    """`ValueError` unless `value` is `None`, `"auto"` or an int >= 1."""
    if value is None or value == "auto":
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(
            "`read_chunk` must be None, 'auto' or an integer >= 1. "
            f"Received: read_chunk={value!r}"
        )


def check_heads_divide(n_head, dim):
    """`ValueError` unless `n_head` divides the feature size `dim`."""
    if dim is not None and dim % n_head:
        raise UsageError(
            f"`n_head` must divide the feature size D={dim}. "
            f"Received: n_head={n_head}"
        )
