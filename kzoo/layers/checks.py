"""Argument checks shared by the layers' `__init__` and `build`."""


def check_int(name, value, minimum=1):
    """`ValueError` naming `name` unless `value` is an int >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )


def check_heads_divide(n_head, dim):
    """`ValueError` unless `n_head` divides the feature size `dim`."""
    if dim is not None and dim % n_head:
        raise ValueError(
            f"`n_head` must divide the feature size D={dim}. "
            f"Received: n_head={n_head}"
        )
