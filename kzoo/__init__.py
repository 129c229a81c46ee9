"""kzoo: a Keras 3 multi-backend model zoo for codebook-memory forecasting.

Importing `kzoo` registers every kzoo class with Keras (layers, models, the
`mse_next` metric), so `keras.models.load_model("model.keras")` finds them,
as after `import keras_hub`.
"""

__version__ = "0.2.0"

import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

from kzoo.errors import UsageError as _UsageError  # noqa: E402


def _a_kzoo_command():
    """Whether this process is one of kzoo's recipes (a script in a
    `recipes` folder, or an installed `kzoo-*` command)."""
    program = _sys.argv[0] if _sys.argv and _sys.argv[0] else ""
    return (_os.path.basename(program).startswith("kzoo-")
            or _os.path.basename(_os.path.dirname(
                _os.path.abspath(program))) == "recipes")


# The Keras backends kzoo runs on (`kzoo.backend.BACKENDS`): Keras fails on
# any other KERAS_BACKEND with a traceback from inside its own import. A
# recipe says so in one line and exits with code 2, as for any bad input;
# a program importing kzoo gets a `UsageError`.
if (_os.environ.get("KERAS_BACKEND") or "jax") not in ("jax", "torch",
                                                       "tensorflow"):
    _message = (f"KERAS_BACKEND={_os.environ['KERAS_BACKEND']!r} is not a "
                "backend kzoo runs on; set it to one of: jax, torch, "
                "tensorflow")
    if _a_kzoo_command():
        print(f"error: {_message}", file=_sys.stderr)
        raise SystemExit(2)
    raise _UsageError(_message)

# PyTorch's CPU allocator asks for transparent huge pages on every buffer
# of 2 MB or more when THP_MEM_ALLOC_ENABLE=1 (read once, at torch's first
# allocation, so before Keras imports it). Long contexts allocate buffers
# far above glibc's 32 MB mmap threshold, whose 4 KB pages fault in anew
# at every step: `vqcache`'s train step at T = 8192 takes half the time
# with it, at the same peak memory (docs/recall.md, Cost). Set it to 0
# to keep torch's default.
_os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")

from kzoo import layers  # noqa: E402,F401
from kzoo import models  # noqa: E402,F401
from kzoo.eval import metrics  # noqa: E402,F401
