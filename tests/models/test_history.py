"""Settings added to a model after runs of it were recorded."""

from kzoo import models
from kzoo.models import history


def test_earlier_forms_leave_out_every_subset_at_its_earlier_value():
    added = {"a": 0, "b": "x"}
    forms = history.earlier_forms({"lr": 1.0, "a": 0, "b": "x"}, added)
    assert forms == [{"lr": 1.0, "a": 0, "b": "x"}, {"lr": 1.0, "b": "x"},
                     {"lr": 1.0, "a": 0}, {"lr": 1.0}]
    # Only at the earlier value, and of the same type (True == 1).
    assert history.earlier_forms({"a": 1, "b": "x"}, added) == [
        {"a": 1, "b": "x"}, {"a": 1}]
    assert history.earlier_forms({"a": False}, added) == [{"a": False}]
    assert history.normalised({"lr": 1.0, "a": 0}, added) == {"lr": 1.0}
    assert history.normalised({"lr": 1.0, "a": 2}, added) == {"lr": 1.0,
                                                             "a": 2}


def test_each_added_setting_defaults_to_what_earlier_runs_had():
    # Otherwise a run that never names it would be another model than an
    # earlier run, and reusing that run would be wrong.
    for key, earlier in history.ADDED.items():
        holders = [name for name in models.available()
                   if key in models.spec(name).defaults]
        assert holders, f"{key} is no registered model's setting"
        for name in holders:
            assert models.spec(name).defaults[key] == earlier, (name, key)
