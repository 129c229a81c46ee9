"""kzoo: a Keras 3 multi-backend model zoo for codebook-memory forecasting.

Importing `kzoo` registers every kzoo class with Keras (layers, models, the
`mse_next` metric), so `keras.models.load_model("model.keras")` finds them,
as after `import keras_hub`.
"""

__version__ = "0.2.0"

from kzoo import layers  # noqa: E402,F401
from kzoo import models  # noqa: E402,F401
from kzoo.eval import metrics  # noqa: E402,F401
