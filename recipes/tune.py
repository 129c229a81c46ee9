"""Hyperparameter search with KerasTuner, local or distributed.

    KERAS_BACKEND=jax python recipes/tune.py --model vqlnpemlp --tuner random \
        --max-trials 20 --epochs 50 --dataset csv:data/y+w.csv --out runs/tune

Distributed (KerasTuner's own variables; the same command everywhere):

    export KERASTUNER_ORACLE_IP=10.0.0.1 KERASTUNER_ORACLE_PORT=8000
    KERASTUNER_TUNER_ID=chief python recipes/tune.py ...    # one chief
    KERASTUNER_TUNER_ID=tuner0 python recipes/tune.py ...   # workers
"""

import argparse
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.errors import UsageError  # noqa: E402
from kzoo.recipes_cli import check_cluster_flags  # noqa: E402
from kzoo.recipes_cli import cluster_parser  # noqa: E402
from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import data_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402
from kzoo.recipes_cli import verbosity  # noqa: E402


def space_override(text):
    key, sep, values = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"expected KEY=V1,V2,... such as lr=1e-3,3e-4, got {text!r}")
    parsed = []
    for value in (v for v in values.split(",") if v != ""):
        for cast in (int, float):
            try:
                parsed.append(cast(value))
                break
            except ValueError:
                continue
        else:
            parsed.append(value)
    return key.replace("-", "_"), parsed


def parser():
    from kzoo import models
    from kzoo.data import SPLITS
    from kzoo.recipes_cli import parser as make_parser
    from kzoo.tuning import SPACE
    from kzoo.tuning import TUNERS

    p = make_parser(
        __file__,
        (
            "Search a model family's hyperparameters with KerasTuner, "
            "minimising val_mse_next. Each trial is a normal kzoo run under "
            "OUT (recipes/report.py and recipes/predict.py read them); the "
            "tuner's state lives in OUT/.tuner/PROJECT, so re-running the "
            "same command resumes the search. With KERASTUNER_TUNER_ID, "
            "KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT set, the same "
            "command runs as the chief (TUNER_ID=chief) or as a worker."
        ),
        [common_parser(out="runs/tune"), data_parser("laser"),
         cluster_parser()],
    )
    p.add_argument("--model", required=True, choices=models.available(),
                   help=f"model family: {', '.join(models.available())}")
    p.add_argument("--tuner", choices=TUNERS, default="random",
                   help="random search, Bayesian optimisation or Hyperband "
                   "(Hyperband sizes itself from --epochs, not --max-trials)")
    p.add_argument("--max-trials", type=int, default=10)
    p.add_argument("--epochs", type=int, default=50, help="epochs per trial")
    p.add_argument("--project", help="tuner project name (default: "
                   "MODEL_DATASET_TUNER)")
    p.add_argument("--space", type=space_override, action="append",
                   metavar="KEY=V1,V2", default=[],
                   help="replace a range, e.g. --space lr=1e-3,3e-4. Default "
                   "ranges: " + "; ".join(
                       f"{k} {','.join(map(str, v))}"
                       for k, v in SPACE.items()))
    p.add_argument("--split", choices=SPLITS, default="random",
                   help="as recipes/train.py")
    p.add_argument("--top", type=int, default=5, help="best trials to print")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo import data
    from kzoo import tuning
    from kzoo.eval import report
    from kzoo.tuning import distributed

    if args.max_trials < 1:
        raise UsageError(f"--max-trials must be >= 1, got {args.max_trials}")
    if args.epochs < 1:
        raise UsageError(f"--epochs must be >= 1, got {args.epochs}")
    check_cluster_flags(args)
    role = distributed.role()
    if role == "worker":
        distributed.wait_for_oracle(args.oracle_timeout)
    series = data.load(args.dataset, args.encoding)
    print(series.describe(), flush=True)
    hypermodel = tuning.KzooHyperModel(
        args.model, series, args.out, epochs=args.epochs, split=args.split,
        seed=args.seed, space=dict(args.space),
        verbose=1 if args.verbose else 0,
    )
    project = args.project or f"{args.model}_{series.name}_{args.tuner}"
    folder = os.path.join(args.out, ".tuner")
    new = not os.path.exists(os.path.join(folder, project))
    try:
        tuner = tuning.make_tuner(
            args.tuner, hypermodel, args.max_trials, folder, project,
            seed=args.seed, epochs=args.epochs,
            worker_timeout=args.worker_timeout,
        )
    except ValueError:
        if new:  # leave nothing half-written
            shutil.rmtree(os.path.join(folder, project), ignore_errors=True)
        raise
    tuner.search(verbose=min(verbosity(args), 1))
    if role == "worker":
        print(f"worker {os.environ['KERASTUNER_TUNER_ID']}: no trials left")
        return 0
    everything = tuner.oracle.get_best_trials(len(tuner.oracle.trials))
    trials = [t for t in everything if t.score is not None][: args.top]
    unfinished = len(tuner.oracle.trials) - sum(
        t.score is not None for t in everything)
    print(f"\n## Best {len(trials)} trials by {tuning.OBJECTIVE}"
          + (f" ({unfinished} unfinished)" if unfinished else "") + "\n")
    print("| Trial | " + tuning.OBJECTIVE + " | Hyperparameters |")
    print("|---|---|---|")
    for trial in trials:
        values = ", ".join(f"{k}={v}" for k, v
                           in trial.hyperparameters.values.items())
        print(f"| {trial.trial_id} | {trial.score:.6g} | {values} |")
    rows = report.collect_runs(args.out)
    if rows:
        ranks = report.average_ranks(rows, "Final/val_mse_next", 1)
        print(f"\n## Average rank by Final/val_mse_next, k = 1 "
              f"({len(rows)} runs under {args.out})\n")
        print(report.rank_table(ranks))
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
