"""Fit kzoo models on a series, on whichever backend KERAS_BACKEND names.

With no arguments this is the built-in demo: `lstm` against `vqlnmlp` on
the Santa Fe laser series, printing the comparison table.

    KERAS_BACKEND=jax python recipes/train.py
    python recipes/train.py --model vqlnpemlp --dataset csv:data.csv
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kzoo.recipes_cli import run  # noqa: E402
from kzoo.recipes_cli import quiet_backend_logs  # noqa: E402

quiet_backend_logs()

DEMO_MODELS = ["lstm", "vqlnmlp"]
DEMO_EPOCHS = 10

# flag -> hyperparameter key (applied to the models that have it)
HPARAM_FLAGS = {
    "time_steps": "time_steps",
    "lr": "lr",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "vocab_size": "vocab_size",
    "d_model": "d_model",
    "n_head": "n_head",
    "sizes": "sizes",
    "order": "order",
    "pe": "pe",
    "codebook": "codebook",
    "train_codebook": "train_codebook",
    "patch": "patch",
    "n_mix": "n_mix",
}


def sizes_list(text):
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 32,128,512, got {text!r}"
        )
    return sizes


def parser():
    from kzoo import models

    p = argparse.ArgumentParser(
        description=(
            "Fit kzoo models and record each run under OUT/<name>/<timestamp>/ "
            "(model.keras, config.json, history.csv, logs/, metrics.json). "
            "With no arguments: the demo, lstm against vqlnmlp on the "
            f"Santa Fe laser series ({DEMO_EPOCHS} epochs). Re-running an "
            "interrupted command resumes it."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--model", action="append", metavar="NAME",
        help="model to train; repeat for several models trained the same "
        f"way. One of: {', '.join(models.available())} (default: the demo "
        f"pair {' and '.join(DEMO_MODELS)})",
    )
    p.add_argument(
        "--dataset", default="laser", metavar="SPEC",
        help="csv:PATH (last numeric column), csv:PATH:COLUMN, laser "
        "(Santa Fe laser, shipped by reservoirpy) or mackey_glass (tau=17)",
    )
    p.add_argument("--time-steps", type=int,
                   help="window length (model default: lstm 112, others 96)")
    p.add_argument("--lr", type=float,
                   help="Adam learning rate (model default: lstm 5e-4, "
                   "codebook models 7e-3)")
    p.add_argument("--epochs", type=int,
                   help=f"epochs (default 50; the demo uses {DEMO_EPOCHS})")
    p.add_argument("--batch-size", type=int,
                   help="batch size (model default: lstm 64, others 32)")
    p.add_argument("--vocab-size", type=int,
                   help="codebook rows (per head for product codebooks)")
    p.add_argument("--d-model", type=int, help="width of the codebook read")
    p.add_argument("--n-head", type=int,
                   help="heads of a product codebook (method 2, 2+3)")
    p.add_argument("--sizes", type=sizes_list,
                   help="cache-hierarchy level sizes, e.g. 32,128,512")
    p.add_argument("--order", choices=["inc", "dec"],
                   help="cache-hierarchy order: inc (tables exchange "
                   "largest-first, then the input reads L1) or dec (the "
                   "input reads L1, L1 reads L2, ...)")
    p.add_argument("--pe", choices=["none", "randn", "sin", "rope", "learned"],
                   help="positional encoding of codebook models")
    p.add_argument("--codebook", choices=["soft", "hard"],
                   help="soft read (reference) or hard VQ with "
                   "straight-through gradients")
    p.add_argument("--train-codebook", action="store_true", default=None,
                   help="train the codebook table (default: frozen N(0,1), "
                   "as the reference)")
    p.add_argument("--patch", type=int,
                   help="mixer models: values each token carries (delay "
                   "embedding)")
    p.add_argument("--n-mix", type=int,
                   help="mixer models: causal token-mixing MLPs before the read")
    p.add_argument("--split", choices=["random", "chrono"], default="random",
                   help="random: windows shuffled with seed 42, 80/20 (the "
                   "reference); chrono: first 80%% of windows train, no "
                   "window straddles the boundary")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of weights and shuffling")
    p.add_argument("--out", default="runs", help="output directory")
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
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar")
    return p


def overrides_for(args, names):
    """Per-model hyperparameter overrides from the flags that were given."""
    from kzoo import models

    given = {key: getattr(args, flag) for flag, key in HPARAM_FLAGS.items()
             if getattr(args, flag) is not None}
    per_model = {name: {} for name in names}
    for key, value in given.items():
        users = [n for n in names if key in models.spec(n).defaults]
        if not users:
            valid = sorted(set().union(
                *(models.spec(n).defaults for n in names)))
            flag = "--" + key.replace("_", "-")
            raise ValueError(
                f"{flag} does not apply to {', '.join(names)}; their "
                f"hyperparameters: {', '.join(valid)}"
            )
        for n in users:
            per_model[n][key] = value
    return per_model


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo import data
    from kzoo import training

    if args.data_parallel:
        from kzoo.backend import data_parallel

        data_parallel()  # fails at once on a backend without it
    if args.backup_every < 0:
        raise ValueError(
            f"--backup-every must be >= 0 seconds, got {args.backup_every}"
        )
    names = args.model or list(DEMO_MODELS)
    if args.model is None and args.epochs is None:
        args.epochs = DEMO_EPOCHS
    series = data.load(args.dataset)
    per_model = overrides_for(args, names)
    plans = [
        training.plan_run(name, per_model[name], series, args.split,
                          args.seed, args.out)
        for name in names
    ]
    rows = []
    for plan in plans:
        print(f"== {plan.name} ({plan.hparams['epochs']} epochs)", flush=True)
        rows.append(
            training.execute(plan, series, verbose=0 if args.quiet else "auto",
                             data_parallel=args.data_parallel,
                             backup_interval_s=args.backup_every)
        )
    print()
    print(training.results_table(rows, args.out))
    path = training.append_results(rows, args.out)
    print(f"\nappended to {path}")
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
