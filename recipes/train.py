"""Fit kzoo models on a series, on whichever backend KERAS_BACKEND names.

With no arguments this is the built-in demo: `lstm` against `vqlnmlp` on
the Santa Fe laser series, printing the comparison table.

    KERAS_BACKEND=jax python recipes/train.py
    python recipes/train.py --model vqlnpemlp --dataset y_w
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.errors import UsageError  # noqa: E402
from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import data_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402
from kzoo.recipes_cli import run_parser  # noqa: E402
from kzoo.recipes_cli import verbosity  # noqa: E402

DEMO_MODELS = ["lstm", "vqlnmlp"]
DEMO_EPOCHS = 10


def sizes_list(text):
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected comma-separated integers such as 32,128,512, "
            f"got {text!r}"
        ) from None


def flag(key):
    return "--" + key.replace("_", "-")


def describe_defaults(key):
    """`112 for lstm, vqmixer; 96 for vqmlp, ...`, from the registry."""
    from kzoo import models

    groups = models.defaults_of(key)
    if len(groups) == 1 and len(next(iter(groups.values()))) == len(
            models.available()):
        return _show(next(iter(groups)))
    return "; ".join(f"{_show(value)} for {', '.join(names)}"
                     for value, names in groups.items())


def _show(value):
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if value is None:
        return "none"
    return "on" if value is True else "off" if value is False else str(value)


def _argparse_type(parse):
    def convert(text):
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def hyperparameter_flags(parser):
    """One flag per hyperparameter of the registry, typed by its defaults."""
    from kzoo import models
    from kzoo.models.hparams import HYPERPARAMETERS

    group = parser.add_argument_group(
        "hyperparameters",
        "each applies to the models that have it; unset, every model keeps "
        "its own default (from the model registry)",
    )
    for key, meaning in HYPERPARAMETERS.items():
        values = list(models.defaults_of(key))
        kwargs = {"default": argparse.SUPPRESS,
                  "help": f"{meaning.help} (default: {describe_defaults(key)})"}
        if meaning.parse:
            kwargs["type"] = _argparse_type(meaning.parse)
        elif meaning.choices:
            kwargs["choices"] = meaning.choices
        elif isinstance(values[0], bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        elif isinstance(values[0], tuple):
            kwargs["type"], kwargs["metavar"] = sizes_list, "N,N,..."
        else:
            kwargs["type"] = type(values[0])
        if key == "epochs":
            kwargs["help"] += f"; the demo uses {DEMO_EPOCHS}"
        group.add_argument(flag(key), **kwargs)


def parser():
    from kzoo import models
    from kzoo.data import SPLITS
    from kzoo.recipes_cli import parser as make_parser

    p = make_parser(
        __file__,
        "Fit kzoo models and record each run under OUT/<name>/<timestamp>/ "
        "(model.keras, config.json, history.csv, logs/, metrics.json). "
        "With no arguments: the demo, lstm against vqlnmlp on the Santa Fe "
        f"laser series ({DEMO_EPOCHS} epochs). Re-running an interrupted "
        "command resumes it; a finished one is not trained again.",
        [common_parser(out="runs"), data_parser("laser"), run_parser()],
    )
    p.add_argument(
        "--model", action="append", metavar="NAME", choices=models.available(),
        help="model to train; repeat for several models trained the same "
        f"way. One of: {', '.join(models.available())} (default: the demo "
        f"pair {' and '.join(DEMO_MODELS)})",
    )
    p.add_argument("--split", choices=SPLITS, default="random",
                   help="random: windows shuffled with seed 42, 80/20 (the "
                   "reference); chrono: first 80%% of windows train, no "
                   "window straddles the boundary")
    p.add_argument("--data-parallel", action="store_true",
                   help="split every batch over all local devices (JAX: "
                   "keras.distribution.DataParallel; TensorFlow: "
                   "MirroredStrategy; not available on torch). The batch "
                   "size must be a multiple of the device count")
    p.add_argument("--backup-every", type=float, default=30.0,
                   metavar="SECONDS",
                   help="save the resumable backup at the end of an epoch "
                   "at most every SECONDS (0: after every epoch); an "
                   "interrupted run loses at most that much training")
    hyperparameter_flags(p)
    return p


def overrides_for(args, names):
    """Per-model hyperparameter overrides from the flags that were given."""
    from kzoo import models
    from kzoo.models.hparams import HYPERPARAMETERS

    given = {key: getattr(args, key) for key in HYPERPARAMETERS
             if hasattr(args, key)}
    per_model = {name: {} for name in names}
    for key, value in given.items():
        users = [n for n in names if key in models.spec(n).defaults]
        if not users:
            valid = sorted(set().union(
                *(models.spec(n).defaults for n in names)))
            raise UsageError(
                f"{flag(key)} does not apply to {', '.join(names)}; their "
                f"hyperparameters: {', '.join(valid)}"
            )
        for n in users:
            per_model[n][key] = value
    return per_model


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo import data
    from kzoo import training
    from kzoo.eval import tables

    if args.data_parallel:
        from kzoo.backend import data_parallel

        data_parallel()  # fails at once on a backend without it
    if args.backup_every < 0:
        raise UsageError(
            f"--backup-every must be >= 0 seconds, got {args.backup_every}"
        )
    names = args.model or list(DEMO_MODELS)
    if args.model is None and not hasattr(args, "epochs"):
        args.epochs = DEMO_EPOCHS
    series = data.load(args.dataset, args.encoding)
    print(series.describe(), flush=True)
    per_model = overrides_for(args, names)
    plans = [
        training.plan_run(name, per_model[name], series, args.split,
                          args.seed, args.out)
        for name in names
    ]
    fit_verbose = {0: 0, 1: "auto", 2: 1}[verbosity(args)]
    rows = []
    for plan in plans:
        print(f"== {plan.name} ({plan.hparams['epochs']} epochs)", flush=True)
        metrics = training.execute(
            plan, series, verbose=fit_verbose,
            data_parallel=args.data_parallel,
            backup_interval_s=args.backup_every, wait=args.wait,
            reuse=not args.again, busy_hint=training.staging.WAIT_HINT)
        rows.append(metrics)
        if metrics.get("reused"):
            print(f"already finished in {metrics['run_dir']} (--again trains "
                  "it anew)")
        elif metrics["status"] == "diverged" and not metrics["epochs"]:
            print("diverged: the closed-form fit gave NaN or infinite "
                  "forecasts (try other hyperparameters)")
        elif metrics["status"] == "diverged":
            print(f"diverged at epoch {metrics['epochs']}: the loss became "
                  "NaN or infinite (try a smaller --lr)")
        # Recorded as soon as it finishes: a later failure loses nothing.
        tables.append_results([metrics], args.out)
    print()
    print(tables.results_table(rows, args.out))
    print(f"\nrecorded in {os.path.join(args.out, 'results.md')}")
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
