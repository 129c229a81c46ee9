"""Forecast quality on the standard series, beside AR and an echo state net.

    KERAS_BACKEND=jax python recipes/forecast.py --out runs/forecast
    python recipes/forecast.py --protocols laser --model vqmixer --seeds 3
    python recipes/forecast.py --ablation vqmixer --protocols laser
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.errors import UsageError  # noqa: E402
from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import parser as make_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402
from kzoo.recipes_cli import setting  # noqa: E402

DEFAULT_MODELS = ["lstm", "linear", "vqlnpemlp", "vqmixer", "mhvqmixer",
                  "cachevqmixer"]


def parser():
    from kzoo import models
    from kzoo.benchmarks.forecast.design import PROTOCOLS
    from kzoo.eval import protocols as P
    from kzoo.models.registry import KZOO_TRAINING

    p = make_parser(
        __file__,
        "Forecast quality of kzoo's models beside the field's peers "
        "(persistence, a linear AR and an echo state network from "
        "reservoirpy, their settings chosen on the training part): the Santa "
        f"Fe laser (fit on 1-{P.LASER_TRAIN}, NMSE of {P.LASER_TEST_LABEL} "
        "fed back and one-step), Mackey-Glass tau=17 (fit on "
        f"{P.MG_TRAIN} points, one-step and {P.MG_HORIZON}-step NRMSE on "
        f"the next {P.MG_TEST}), the logistic map r=4 (fit on "
        f"{P.LOGISTIC_TRAIN} points: one-step NMSE, and the steps a fed-back "
        f"forecast stays within NRMSE {P.LOGISTIC_THRESHOLD:g}) and the "
        "reference series (reference "
        "protocol; peers: persistence and the AR, on the LSTM's windows). "
        "Every model over --seeds seeds (mean ± std). On laser, "
        "Mackey-Glass and the logistic map the neural models train the "
        "benchmarks' way: "
        f"chronological split, {KZOO_TRAINING} (override with --set). "
        "The whole command is checked before anything trains. "
        "Writes OUT/forecast.md, OUT/forecast.csv and a plot of the fed-back "
        "forecasts per protocol; a repeated command reuses finished runs.",
        [common_parser(out="runs/forecast", seed=False)],
    )
    p.add_argument("--protocols", default=",".join(PROTOCOLS),
                   help=f"comma-separated subset of {','.join(PROTOCOLS)}")
    p.add_argument("--model", action="append", metavar="NAME",
                   choices=models.available(),
                   help=f"repeatable (default: {' '.join(DEFAULT_MODELS)})")
    p.add_argument("--seeds", type=int, default=3,
                   help="seeds per model (and per ESN)")
    p.add_argument("--set", type=setting, action="append", default=[],
                   metavar="KEY=VALUE", dest="settings",
                   help="a hyperparameter for every model that has it "
                   "(a key no model has is refused), e.g. --set change=true "
                   "--set epochs=200 --set split=random (split: laser, "
                   "Mackey-Glass, logistic; reference fixes the random "
                   "split); with --ablation, for every variant")
    p.add_argument("--no-peers", action="store_true",
                   help="only kzoo's models")
    p.add_argument("--ablation", metavar="MODEL", choices=models.available(),
                   help="instead: MODEL with the reference's training, then "
                   "each change of the benchmarks' training alone, then all "
                   "of them with each forecasting option alone")
    p.add_argument("--quick", action="store_true",
                   help="one seed, two epochs, one small model, no ESN grid "
                   "(checks the output, not the models)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.benchmarks.forecast import suite as forecast_suite

    protocols = [p for p in args.protocols.split(",") if p]
    log = (lambda *a: None) if args.quiet else print
    if args.ablation:
        if args.model:
            raise UsageError("--model does not go with --ablation MODEL "
                             "(the ablation's model); give one of them")
        text = forecast_suite.run_ablation(
            args.ablation, protocols, 1 if args.quick else args.seeds,
            args.out, quick=args.quick, settings=dict(args.settings),
            log=log)
    else:
        names = args.model or (["vqlnmlp"] if args.quick else DEFAULT_MODELS)
        seeds = 1 if args.quick else args.seeds
        text = forecast_suite.run_suite(
            protocols, names, seeds, dict(args.settings), args.out,
            with_peers=not args.no_peers, quick=args.quick, log=log)
    print(text)
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
