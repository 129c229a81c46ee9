"""How much context does each model use? The synthetic recall benchmark.

    KERAS_BACKEND=jax python recipes/recall.py --out runs/recall
    python recipes/recall.py --model lstm --model vqmixer --lags 8,16,32 \\
        --epochs 10

(The standard series, Santa Fe laser and Mackey-Glass, and the reference
series are in recipes/forecast.py.)
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

DEFAULT_MODELS = ["lstm", "vqlnmlp", "mhvqlnmlp", "cachevq", "vqmixer"]


def parser():
    from kzoo import models

    p = make_parser(
        __file__,
        "Synthetic recall: x[t] = 0.97 x[t-K] + noise, so the next value "
        "depends on the value K steps back only; for each model, the "
        "one-step NMSE at every K (chronological split, windows K + 16 "
        "long) and the largest K whose NMSE stays under 0.1. Writes "
        "OUT/recall.md; a repeated command reuses finished runs.",
        [common_parser(out="runs/recall")],
    )
    p.add_argument("--model", action="append", metavar="NAME",
                   choices=models.available(),
                   help=f"repeatable (default: {' '.join(DEFAULT_MODELS)})")
    p.add_argument("--lags", default="8,16,32,64,128,256,512",
                   help="recall lags K")
    p.add_argument("--epochs", type=int, default=50,
                   help="epochs of every fit (train.py's default)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.benchmarks.recall import measure as recall
    from kzoo.eval.tables import markdown_table

    names = args.model or DEFAULT_MODELS
    try:
        lags = [int(k) for k in args.lags.split(",")]
    except ValueError:
        raise UsageError(
            f"--lags must be integers, got {args.lags!r}") from None
    if args.epochs < 1 or any(k < 1 for k in lags):
        raise UsageError("--epochs and every lag must be >= 1")
    print("data: synthetic recall series x[t] = 0.97 x[t-K] + noise, 3000 "
          f"values each, K in {', '.join(map(str, lags))}", flush=True)
    log = (lambda *a: None) if args.quiet else print
    rows = recall.recall(names, lags, args.epochs,
                         os.path.join(args.out, "recall"), args.seed, log)
    params = {r["model"]: r["params"] for r in rows}
    best = recall.longest_recall(rows)
    table = markdown_table(
        ["model", "params", "largest K with NMSE < 0.1"]
        + [f"K={k}" for k in lags],
        [[n, params[n], best[n]] + [
            f"{r['nmse']:.3f}" for r in rows if r["model"] == n]
         for n in names])
    text = f"## Synthetic recall ({args.epochs} epochs)\n\n{table}\n"
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "recall.md"), "w") as f:
        f.write(text)
    print(text)
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
