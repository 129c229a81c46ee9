"""The forecast benchmark's design: each protocol's fit."""

import pytest

from kzoo.benchmarks.forecast import design
from kzoo.errors import UsageError
from kzoo.eval import protocols


def test_each_protocol_fits_on_its_defined_part():
    spec, overrides, split = design.setup("laser", "linear")
    assert spec == protocols.LASER_SPEC and split == "chrono"
    assert overrides["schedule"] == "cosine"  # kzoo's own training
    spec, _, _ = design.setup("mackey_glass", "linear", {"split": "random"})
    assert spec == protocols.MG_SPEC
    assert design.setup("logistic", "linear")[0] == protocols.LOGISTIC_SPEC
    assert design.setup("reference", "linear")[0] == "y_w"
    with pytest.raises(UsageError, match="fixes the random split"):
        design.setup("reference", "linear", {"split": "chrono"})
