"""The vocabulary study: solution 1 vs 2 vs 3 vs 2+3, against the LSTM.

    KERAS_BACKEND=jax python recipes/study.py --out runs/study
    python recipes/study.py --quick --out /tmp/study
    python recipes/study.py --family mixer --variant product2 --vocab 2^10,2^20
    python recipes/study.py --family cache --variant flat,product4 \
        --recall-lags 256,1024
    python recipes/study.py --out runs/study --report-only   # tables so far

Spread over machines (KerasTuner's variables; the same command everywhere,
--out a folder they all share):

    export KERASTUNER_ORACLE_IP=10.0.0.1 KERASTUNER_ORACLE_PORT=8000
    KERASTUNER_TUNER_ID=chief python recipes/study.py --out /shared/study
    KERASTUNER_TUNER_ID=tuner0 python recipes/study.py --out /shared/study

Every flag is checked before anything trains or is written. The recipe
ends with `os._exit` (see the end of this file).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.errors import UsageError  # noqa: E402
from kzoo.recipes_cli import check_cluster_flags  # noqa: E402
from kzoo.recipes_cli import cluster_parser  # noqa: E402
from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import parser as make_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402

DEFAULT_VOCABS = "2^5,2^8,2^11,2^14,2^17,2^20"
QUICK = {"vocabs": [32, 64], "seeds": 1, "epochs": 1,
         "cell": {"recall_lags": [8], "recall_epochs": 1, "horizon": 20,
                  "window_task_overrides": {
                      "content": {"window": 32, "min_val": 64, "epochs": 1},
                      "taylor": {"lookback": 48, "epochs": 1}}}}


def vocab_list(text):
    """`32,2^10,1024` as integers (`UsageError` on a bad or repeated one)."""
    values = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        base, caret, exponent = part.partition("^")
        try:
            if caret and not 0 <= int(exponent) <= 128:  # 4 heads of 2^32
                raise UsageError(f"--vocab {part}: the exponent must be in "
                                 "[0, 128]")
            value = int(base) ** int(exponent) if caret else int(part)
        except ValueError as error:
            if isinstance(error, UsageError):
                raise
            raise UsageError(f"--vocab takes integers or 2^K, got {part!r}"
                             ) from None
        if value < 2:
            raise UsageError(f"--vocab needs vocabularies >= 2, got {part}")
        if value in values:
            raise UsageError(f"--vocab gives {value} twice (as {part})")
        values.append(value)
    if not values:
        raise UsageError(f"--vocab names no vocabulary, got {text!r}")
    return values


def name_list(flag, text, valid):
    """A comma-separated list of distinct names out of `valid`."""
    from kzoo.benchmarks.study import design

    names = [n.strip() for n in text.split(",") if n.strip()]
    design.check_names(flag, names, tuple(valid))
    return names


def parser():
    from kzoo.benchmarks.study import design as study
    from kzoo.models.registry import KZOO_TRAINING

    p = make_parser(
        __file__,
        "Does a bigger codebook vocabulary buy long-term memory, and which "
        "remedy buys most for least? For effective vocabularies 2^5 to 2^20 "
        "and each variant (flat table, product codebooks with 2 and 4 heads, "
        "cache hierarchy inc and dec, hierarchy of product levels), in the "
        "per-token (vqlnpemlp-shaped), time-mixing (vqmixer-shaped) and "
        "time-cache (vqcache-shaped: flat and product heads, its codes on "
        "the axis) families, over --seeds seeds: val_mse_next and "
        "regressive MSE on the reference series, the fixed-lag recall NMSE "
        "at each of the family's lags and the largest lag under 0.1, "
        "content-addressed recall and Taylor's demand (mixers and caches; "
        "--window-tasks), the logistic map (per-token), "
        "parameters, rows stored, step time and peak memory; the LSTM at "
        "its reference settings as the line to beat. Writes OUT/study.md, "
        "OUT/study.csv, OUT/study_quality.png and OUT/study_cost.png; "
        "re-running the same command reuses the cells it measured (and "
        "measures again those that failed or were skipped under another "
        "--limit-minutes); a cell measured otherwise (other seeds, epochs, "
        "--quick, backend or study version) is refused, in one line; one "
        "measured without a window task asked is measured again, its "
        "finished runs reused. "
        "Two identical studies at once share the cells. With "
        "KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT "
        "set, the same command runs as the chief (TUNER_ID=chief: serves the "
        "cells through KerasTuner's oracle, then writes the tables) or as a "
        "worker (measures the cells it is given); --out must be a folder "
        "they all share.",
        [common_parser(out="runs/study", seed=False), cluster_parser()],
    )
    p.add_argument("--family", default=",".join(study.FAMILIES),
                   help=f"comma-separated subset of "
                   f"{','.join(study.FAMILIES)}")
    p.add_argument("--variant", "--method", dest="variant",
                   default=",".join(study.VARIANTS),
                   help="comma-separated subset of "
                   f"{','.join(study.VARIANTS)} (--method: its former name)")
    p.add_argument("--vocab", default=DEFAULT_VOCABS,
                   help="effective vocabularies (integers or 2^K)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per cell")
    p.add_argument("--epochs", type=int,
                   help="epochs of every run (default "
                   f"{KZOO_TRAINING['epochs']} for the cells, the "
                   "LSTM's reference epochs for it; the best epoch kept)")
    p.add_argument("--recall-lags",
                   help="the fixed-lag recall's lags K (1 to 4096) in every "
                   "family that recalls (default: "
                   + "; ".join(f"{f} {','.join(map(str, r['lags']))} at "
                               f"{r['epochs']} epochs"
                               for f, r in study.RECALL.items())
                   + ")")
    p.add_argument("--window-tasks", default=",".join(study.WINDOW_TASKS),
                   help="the window tasks of the mixers, caches and LSTM, "
                   "a comma-separated subset of "
                   f"{','.join(study.WINDOW_TASKS)}, or none (content: "
                   "W = {window}, {0} epochs; taylor: lookback {lookback}, "
                   "{1} epochs)".format(
                       study.WINDOW_TASKS["content"]["epochs"],
                       study.WINDOW_TASKS["taylor"]["epochs"],
                       **study.WINDOW_TASKS["content"]["task"],
                       **study.WINDOW_TASKS["taylor"]["task"]))
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
                   help="every variant at two small vocabularies, one seed, "
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
    check_cluster_flags(args)
    from kzoo.benchmarks.study import design

    families = name_list("--family", args.family, design.FAMILIES)
    variants = name_list("--variant", args.variant, design.VARIANTS)
    vocabs = vocab_list(args.vocab)
    window_tasks = ([] if args.window_tasks.strip() == "none" else
                    name_list("--window-tasks", args.window_tasks,
                              design.WINDOW_TASKS))
    quick = QUICK if args.quick else {}
    if args.recall_lags is not None:
        from kzoo.benchmarks.recall import tasks
        from kzoo.recipes_cli import int_list

        lags = int_list(args.recall_lags, "--recall-lags")
        for lag in lags:
            try:
                tasks.LagTask().check(lag)
            except UsageError as error:
                raise UsageError(f"--recall-lags: {error}") from None
        quick = {**quick, "cell": {**quick.get("cell", {}),
                                   "recall_lags": sorted(lags)}}
    # Children and the JAX cache see the same folder whatever their cwd.
    out = os.path.abspath(args.out)
    if args.report_only and not os.path.isdir(os.path.join(out, "cells")):
        raise UsageError(f"--out {args.out}: no study there (no cells/ "
                         "folder), nothing to report")
    print("data: y_w (the reference series) and the synthetic recall "
          "series", flush=True)
    text = study_suite.run_study(
        families, variants, quick.get("vocabs") or vocabs,
        quick.get("seeds", args.seeds), out,
        epochs=quick.get("epochs", args.epochs),
        limit_s=None if args.quick else 60 * args.limit_minutes,
        in_process=args.in_process or args.quick, quick=quick.get("cell"),
        measure=not args.report_only,
        cluster_options={"worker_timeout": args.worker_timeout,
                         "oracle_timeout": args.oracle_timeout},
        window_tasks=window_tasks,
        log=(lambda *a: None) if args.quiet else print)
    if text is not None:  # None: a worker, whose chief writes the tables
        print(text)
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    code = cli()
    # Everything is on disk by now (every cell and table is written and
    # closed before `cli` returns). Interpreter teardown with JAX's and
    # TensorFlow's threads still alive can crash (exit 139) after an
    # interrupt: end the process without it, having flushed what it said.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
