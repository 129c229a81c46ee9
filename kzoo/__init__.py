"""kzoo: a Keras 3 multi-backend model zoo for codebook-memory forecasting.

Importing `kzoo` registers every kzoo class with Keras (layers, models, the
`mse_next` metric), so `keras.models.load_model("model.keras")` finds them,
as after `import keras_hub`.
"""

__version__ = "0.2.0"

import os as _os  # noqa: E402

from kzoo.errors import UsageError as _UsageError  # noqa: E402

# The Keras backends kzoo runs on (`kzoo.backend.BACKENDS`): Keras fails on
# any other KERAS_BACKEND with a traceback from inside its own import.
if (_os.environ.get("KERAS_BACKEND") or "jax") not in ("jax", "torch",
                                                       "tensorflow"):
    raise _UsageError(
        f"KERAS_BACKEND={_os.environ['KERAS_BACKEND']!r} is not a backend "
        "kzoo runs on; set it to one of: jax, torch, tensorflow")

from kzoo import layers  # noqa: E402,F401
from kzoo import models  # noqa: E402,F401
from kzoo.eval import metrics  # noqa: E402,F401
