"""kzoo models: `build(name, **hparams)`, `available()`, `spec(name)`."""

from kzoo.models.builders import LastValue
from kzoo.models.hparams import HYPERPARAMETERS
from kzoo.models.model import Model
from kzoo.models.registry import ModelSpec
from kzoo.models.registry import available
from kzoo.models.registry import build
from kzoo.models.registry import check_settings
from kzoo.models.registry import defaults_of
from kzoo.models.registry import spec
