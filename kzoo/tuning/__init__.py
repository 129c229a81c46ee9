"""kzoo tuning: KerasTuner hypermodels and tuners (local and distributed)."""

from kzoo.tuning.hypermodel import OBJECTIVE
from kzoo.tuning.hypermodel import KzooHyperModel
from kzoo.tuning.space import SPACE
from kzoo.tuning.space import family_space
from kzoo.tuning.tuners import TUNERS
from kzoo.tuning.tuners import make_tuner
