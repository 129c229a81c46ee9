"""How much context does each model use? Three memory benchmarks.

    KERAS_BACKEND=jax python recipes/memory.py --out runs/memory
    python recipes/memory.py --model lstm --model vqmixer --lags 8,16,32 \\
        --epochs 10
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402

DEFAULT_MODELS = ["lstm", "vqlnmlp", "mhvqlnmlp", "cachevq", "vqmixer"]
SECTIONS = ("recall", "laser", "reference")


def parser():
    from kzoo.recipes_cli import parser as make_parser

    p = make_parser(
        __file__,
        (
            "(1) synthetic recall: x[t] = 0.97 x[t-K] + noise; the largest K "
            "whose one-step error stays under 10%% of the signal variance; "
            "(2) Santa Fe laser, 1991 protocol: train on points 1-1000, "
            "forecast 1001-1100 by feeding predictions back, NMSE; (3) the "
            "reference series: val_mse_next and regressive MSE. Writes "
            "OUT/memory.md."
        ),
        [common_parser(out="runs/memory", seed=False)],
    )
    p.add_argument("--model", action="append", metavar="NAME",
                   help=f"repeatable (default: {' '.join(DEFAULT_MODELS)})")
    p.add_argument("--lags", default="8,16,32,64,128,256,512",
                   help="recall lags K")
    p.add_argument("--epochs", type=int, default=20,
                   help="epochs of every fit (the reference section uses 50)")
    p.add_argument("--reference", default="y_w", metavar="SPEC",
                   help="series of section 3 (default: the built-in reference "
                   "series)")
    p.add_argument("--sections", default=",".join(SECTIONS))
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.benchmarks import memory
    from kzoo.eval.tables import markdown_table as _table

    names = args.model or DEFAULT_MODELS
    memory.check_models(names)
    sections = args.sections.split(",")
    bad = sorted(set(sections) - set(SECTIONS))
    if bad:
        raise ValueError(f"unknown section(s) {', '.join(bad)}; valid: "
                         f"{', '.join(SECTIONS)}")
    try:
        lags = [int(k) for k in args.lags.split(",")]
    except ValueError:
        raise ValueError(
            f"--lags must be integers, got {args.lags!r}") from None
    if args.epochs < 1 or any(k < 1 for k in lags):
        raise ValueError("--epochs and every lag must be >= 1")
    reference = args.reference
    from kzoo import data

    print(data.load(reference).describe() + " for the reference section",
          flush=True)
    parts = []
    if "recall" in sections:
        rows = memory.recall(names, lags, args.epochs,
                             os.path.join(args.out, "recall"))
        params = {r["model"]: r["params"] for r in rows}
        best = memory.longest_recall(rows)
        table = _table(
            ["model", "params", "largest K with NMSE < 0.1"] +
            [f"K={k}" for k in lags],
            [[n, params[n], best[n]] + [
                f"{r['nmse']:.3f}" for r in rows if r["model"] == n]
             for n in names])
        parts.append(f"## Synthetic recall ({args.epochs} epochs)\n\n{table}\n")
    if "laser" in sections:
        rows = memory.laser(names, args.epochs, os.path.join(args.out, "laser"))
        table = _table(["model", "params", "NMSE 1001-1100"],
                       [[r["model"], r["params"], f"{r['nmse']:.4g}"]
                        for r in rows])
        parts.append(f"## Santa Fe laser ({args.epochs} epochs)\n\n{table}\n")
    if "reference" in sections:
        rows = memory.reference_series(names, reference, 50,
                                       os.path.join(args.out, "reference"))
        table = _table(
            ["model", "params", "val_mse_next", "regressive MSE", "batch MSE"],
            [[r["model"], r["params"], f"{r['val_mse_next']:.5g}",
              f"{r['mse_regressive']:.5g}", f"{r['mse_batch']:.5g}"]
             for r in rows])
        parts.append(f"## {reference} (50 epochs)\n\n{table}\n")
    text = "\n".join(parts)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "memory.md"), "w") as f:
        f.write(text)
    print(text)
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
