"""kzoo eval: forecasts, metrics, plots, reports and run directories."""

from kzoo.eval.forecast import one_step
from kzoo.eval.forecast import rollout
from kzoo.eval.metrics import errors
from kzoo.eval.metrics import horizon_errors
from kzoo.eval.predict import evaluate_run
from kzoo.eval.run_dir import load_run
from kzoo.eval.tables import markdown_table
