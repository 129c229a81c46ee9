"""Tables over a directory of runs: sorted results and average ranks.

    python recipes/report.py runs/ --metric Predict/mse_regressive --top 20
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.errors import UsageError  # noqa: E402
from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402


def parser():
    from kzoo.eval.report import METRICS
    from kzoo.recipes_cli import parser as make_parser

    p = make_parser(
        __file__,
        (
            "A markdown table of the runs under RUNS_DIR sorted by a metric, "
            "then the reference's sweep analysis: the average rank of each "
            "hyperparameter value, each pair and each triple of values "
            "(k = 1, 2, 3), with counts, best first. Predict/* columns come "
            "from recipes/predict.py. With --quiet, only the sorted table."
        ),
        [common_parser(seed=False)],
    )
    p.add_argument("runs_dir", metavar="RUNS_DIR")
    p.add_argument("--metric", choices=METRICS, default=None,
                   help="sort key (default: Predict/mse_regressive when every "
                   "run has it, else Final/val_mse_next)")
    p.add_argument("--top", type=int, default=None, help="rows per table")
    p.add_argument("--dataset", metavar="NAME",
                   help="dataset short name of the Predict/* metrics "
                   "(default: each run's own)")
    p.add_argument("--plot", metavar="PNG", help="bar chart of the top runs")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.eval import report

    if args.top is not None and args.top < 1:
        raise UsageError(f"--top must be >= 1, got {args.top}")
    rows = report.collect_runs(
        args.runs_dir, args.dataset,
        on_skip=lambda message: print(f"warning: {message}", file=sys.stderr))
    if not rows:
        raise UsageError(f"no finished runs under {args.runs_dir}")
    metric = args.metric
    if metric is None:
        complete = all(r.get("Predict/mse_regressive") is not None
                       for r in rows)
        metric = "Predict/mse_regressive" if complete else "Final/val_mse_next"
    rows = report.sort_runs(rows, metric)
    print(f"## {len(rows)} runs sorted by {metric}\n")
    print(report.runs_table(rows, args.top))
    for k in () if args.quiet else (1, 2, 3):
        ranks = report.average_ranks(rows, metric, k)
        if ranks:
            print(f"\n## Average rank, k = {k}\n")
            print(report.rank_table(ranks, args.top))
    if args.plot:
        report.chart(args.plot, rows, metric, args.top or 20)
        print(f"\nwrote {args.plot}")
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
