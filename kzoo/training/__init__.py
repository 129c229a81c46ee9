"""kzoo training: plan, fit and record runs."""

from kzoo.training.runs import Plan
from kzoo.training.runs import append_results
from kzoo.training.runs import execute
from kzoo.training.runs import plan_run
from kzoo.training.runs import results_table
from kzoo.training.runs import run_name
