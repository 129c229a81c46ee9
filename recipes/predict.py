"""One-step and regressive forecasts of a finished run, with plots.

    python recipes/predict.py runs/lstm_y_w_ts112_lr0.0005/2024-12-20-22-23-02
    KERAS_BACKEND=torch python recipes/predict.py RUN_DIR --dataset csv:w+y.csv
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402
from kzoo.recipes_cli import verbosity  # noqa: E402


def parser():
    from kzoo.recipes_cli import parser as make_parser

    p = make_parser(
        __file__,
        (
            "Load RUN_DIR/model.keras under the active backend (a run trained "
            "with one backend predicts under any other) and forecast a series: "
            "one-step (every window predicts its next value) and regressive "
            "(each forecast is fed back as the newest input, to the end of the "
            "series). Writes predict_batch_<ds>.png, "
            "predict_regressive_<ds>.png, "
            "metrics_<ds>.json (MSE, MAE, NMSE in original units) and "
            "regressive_horizon_<ds>.csv (error by horizon over many start "
            "points) into RUN_DIR."
        ),
        [common_parser(seed=False)],
    )
    p.add_argument("run_dir", metavar="RUN_DIR",
                   help="a finished run directory")
    p.add_argument(
        "--dataset", metavar="SPEC",
        help="series to forecast (default: the run's own). Another series, "
        "e.g. a model trained on y_w tested on w_y, is z-scored with its own "
        "statistics, as the reference does; a csv: spec without a column "
        "uses the run's column",
    )
    p.add_argument("--horizon", type=int, metavar="H",
                   help="regressive steps (default: to the end of the "
                   "series)")
    p.add_argument("--encoding", metavar="NAME",
                   help="text encoding of a csv: file (default: the run's, "
                   "or utf-8 for another file)")
    p.add_argument(
        "--predict-rate", type=float, metavar="R",
        help="start the regressive rollout at the last R fraction of the "
        "series (default: right after the first window)",
    )
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.eval import evaluate_run

    result = evaluate_run(args.run_dir, args.dataset, args.predict_rate,
                          verbose=min(verbosity(args), 1),
                          encoding=args.encoding, log=print,
                          horizon=args.horizon)
    ds, units = result["dataset_name"], result["units"]
    print(f"\n{result['run']} on {ds} ({result['backend']}), units: {units}")
    print("| Forecast | MSE | MAE | NMSE | points |")
    print("|---|---|---|---|---|")
    for kind in ("batch", "regressive"):
        m = result[kind]
        print(f"| {kind} | {m['mse']:.6g} | {m['mae']:.6g} | {m['nmse']:.4g} "
              f"| {m['n']} |")
    print(f"\nwrote {args.run_dir}/predict_batch_{ds}.png, "
          f"predict_regressive_{ds}.png, metrics_{ds}.json, "
          f"regressive_horizon_{ds}.csv")
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
