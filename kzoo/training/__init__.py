"""kzoo training: plan, fit and record runs."""

from kzoo.training.plan import Plan
from kzoo.training.plan import build_model
from kzoo.training.plan import plan_run
from kzoo.training.plan import run_name
from kzoo.training.runner import execute
