"""The vocabulary study: solution 1 vs 2 vs 3 vs 2+3, against the LSTM.

    KERAS_BACKEND=jax python recipes/study.py --out runs/study
    python recipes/study.py --quick --out /tmp/study
    python recipes/study.py --family mixer --method product2 --vocab 2^10,2^20
    python recipes/study.py --out runs/study --report-only   # tables so far
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

DEFAULT_VOCABS = "2^5,2^8,2^11,2^14,2^17,2^20"
QUICK = {"vocabs": [32, 64], "seeds": 1, "epochs": 1,
         "cell": {"recall_lags": [8], "recall_epochs": 1, "horizon": 20}}


def vocab_list(text):
    """`32,2^10,1024` as integers."""
    values = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        base, caret, exponent = part.partition("^")
        try:
            values.append(int(base) ** int(exponent) if caret else int(part))
        except ValueError:
            raise UsageError(f"--vocab takes integers or 2^K, got {part!r}"
                             ) from None
    if not values or min(values) < 2:
        raise UsageError(f"--vocab needs vocabularies >= 2, got {text!r}")
    return values


def parser():
    from kzoo.benchmarks.study import design as study

    p = make_parser(
        __file__,
        "Does a bigger codebook vocabulary buy long-term memory, and which "
        "remedy buys most for least? For effective vocabularies 2^5 to 2^20 "
        "and each method (flat table, product codebooks with 2 and 4 heads, "
        "cache hierarchy inc and dec, hierarchy of product levels), in the "
        "per-token (vqlnpemlp-shaped) and time-mixing (vqmixer-shaped) "
        "families, over --seeds seeds: val_mse_next and regressive MSE on "
        "the reference series, the recall benchmark's largest K (mixers), "
        "parameters, rows stored, step time and peak memory; the LSTM at "
        "its reference settings as the line to beat. Writes OUT/study.md, "
        "OUT/study.csv, OUT/study_quality.png and OUT/study_cost.png; "
        "re-running the same command skips finished cells.",
        [common_parser(out="runs/study", seed=False)],
    )
    p.add_argument("--family", default=",".join(study.FAMILIES),
                   help=f"comma-separated subset of "
                   f"{','.join(study.FAMILIES)}")
    p.add_argument("--method", default=",".join(study.METHODS),
                   help=f"comma-separated subset of {','.join(study.METHODS)}")
    p.add_argument("--vocab", default=DEFAULT_VOCABS,
                   help="effective vocabularies (integers or 2^K)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per cell")
    p.add_argument("--epochs", type=int,
                   help="epochs of every run (default "
                   f"{study.STUDY_TRAINING['epochs']}, with the best epoch "
                   "kept)")
    p.add_argument("--limit-minutes", type=float, default=10.0,
                   help="skip a cell whose one run is estimated longer")
    p.add_argument("--in-process", action="store_true",
                   help="measure cells in this process (faster to start; "
                   "peak RSS is then this process's)")
    p.add_argument("--report-only", action="store_true",
                   help="measure nothing: write the tables and plots of the "
                   "cells finished so far (the others marked not measured "
                   "yet), e.g. while the study runs in another terminal")
    p.add_argument("--quick", action="store_true",
                   help="every method at two small vocabularies, one seed, "
                   "one epoch, in this process (checks the output)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.benchmarks.study import suite as study_suite

    if args.seeds < 1 or (args.epochs is not None and args.epochs < 1):
        raise UsageError("--seeds and --epochs must be >= 1")
    if not args.limit_minutes > 0:
        raise UsageError(f"--limit-minutes must be > 0, got "
                         f"{args.limit_minutes}")
    quick = QUICK if args.quick else {}
    print("data: y_w (the reference series) and the synthetic recall "
          "series", flush=True)
    text = study_suite.run_study(
        [f for f in args.family.split(",") if f],
        [m for m in args.method.split(",") if m],
        quick.get("vocabs") or vocab_list(args.vocab),
        quick.get("seeds", args.seeds), args.out,
        epochs=quick.get("epochs", args.epochs),
        limit_s=None if args.quick else 60 * args.limit_minutes,
        in_process=args.in_process or args.quick, quick=quick.get("cell"),
        measure=not args.report_only,
        log=(lambda *a: None) if args.quiet else print)
    print(text)
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
