"""How much context does each model use? The recall benchmark.

    KERAS_BACKEND=jax python recipes/recall.py --out runs/recall
    python recipes/recall.py --task content --model vqmixer --model lstm
    python recipes/recall.py --task taylor --lookbacks 48,336
    python recipes/recall.py --quick --model linear --seeds 2
    python recipes/recall.py --task ceiling --windows 64,512,4096
    python recipes/recall.py --task ceiling --exact
    python recipes/recall.py --task codes --exact

(The standard series, Santa Fe laser and Mackey-Glass, and the reference
series are in recipes/forecast.py.)
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
from kzoo.recipes_cli import int_list  # noqa: E402
from kzoo.recipes_cli import parser as make_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402
from kzoo.recipes_cli import setting  # noqa: E402

DEFAULT_MODELS = ["lstm", "linear", "vqlnmlp", "mhvqlnmlp", "cachevq",
                  "vqmixer", "vqcache", "mhvqcache", "vqrecall"]
DEFAULT_LAGS = "8,16,32,64,128,256,512,1024,2048,4096"
DEFAULT_LOOKBACKS = "48,96,336,672,1344"
DEFAULT_EPOCHS = 50
# --quick: tiny tasks for a check of the whole pipeline.
QUICK = {"lag": {"max_lag": 16, "min_val": 32}, "lags": "8,16",
         "content": {"window": 32, "key": 4, "continuation": 4,
                     "spacing": 16, "min_val": 96},
         "lookbacks": "48,96", "epochs": 1}


def parser():
    from kzoo import models
    from kzoo.benchmarks.recall import ceiling
    from kzoo.benchmarks.recall import codes

    p = make_parser(
        __file__,
        "Recall tasks that can show memory, one per command (--task): "
        "lag: x[t] = 0.97 x[t-K] + noise, the NMSE at every lag K "
        "(windows max(32, K + 16) long, the same 18496 training windows "
        "at every lag, chronological split); content: a segment seen "
        "earlier recurs and must be continued, at distances up to the "
        "window, the NMSE per distance band; taylor: half-hourly "
        "electricity demand (pmdarima), the NMSE of the two held-out "
        "weeks against the lookback T. Every model over --seeds seeds, "
        "beside a least-squares AR on the window (and the value a week "
        "back on taylor) and the task's floor. The LSTM's learning rate "
        "and epochs are chosen per lag / lookback / task on validation "
        "from lr in {1e-3, 3e-3, 1e-2}, each fit stopped 5 epochs after "
        "its best (at most 30) and kept at its best (seed 0; "
        "--no-tune-lstm: --epochs and its own lr 5e-4). Writes "
        "OUT/recall.md (a section per task) and OUT/recall_TASK.png; a "
        "repeated command reuses finished runs. ceiling: nothing trained: "
        "the content task's read by a hard-VQ cache that knows the key, "
        "over --windows and --codes (and product --heads), beside the "
        "same read unquantised (OUT/ceiling.md, OUT/ceiling.png). "
        "codes: vqrecall trained on the content task at one --window over "
        "its product --heads and --codes per head, beside the ceiling at "
        "the same codes (OUT/codes.md, OUT/codes.png). --exact: the "
        "content task's segments recur unchanged (as MQAR's keys and "
        "induction heads' tokens; floor 0) instead of as noisy copies "
        "(a = 0.97).",
        [common_parser(out="runs/recall", seed=False)],
    )
    p.add_argument("--task", choices=("lag", "content", "taylor",
                                      "ceiling", "codes"),
                   default="lag", help="which recall task")
    p.add_argument("--model", action="append", metavar="NAME",
                   choices=models.available(),
                   help=f"repeatable (default: {' '.join(DEFAULT_MODELS)})")
    p.add_argument("--lags", help=f"lag task: the lags K, from 1 to 4096 "
                   f"(default {DEFAULT_LAGS})")
    p.add_argument("--window", type=int,
                   help="content and codes: the window length (default "
                   "512): distances from 16 to window - 8")
    p.add_argument("--exact", action="store_true",
                   help="content, ceiling, codes: exact recurrences (a = 1, "
                   "floor 0) instead of noisy copies (a = 0.97)")
    p.add_argument("--windows", help="ceiling: the content windows W "
                   f"(default {ceiling.DEFAULT_WINDOWS})")
    p.add_argument("--codes", help="ceiling and codes: codes S per head "
                   f"(default {ceiling.DEFAULT_CODES}; codes: "
                   f"{codes.DEFAULT_CODES})")
    p.add_argument("--heads", help="ceiling and codes: product heads H "
                   f"(default {ceiling.DEFAULT_HEADS})")
    p.add_argument("--draws", type=int,
                   help="ceiling: draws of the rows per cell, each with "
                   "its own seed (default 1; more: mean ± std)")
    p.add_argument("--lookbacks", help="taylor task: the lookbacks T "
                   f"(default {DEFAULT_LOOKBACKS})")
    p.add_argument("--seeds", type=int, default=3,
                   help="seeds 0 .. SEEDS-1 of every model")
    p.add_argument("--epochs", type=int,
                   help="epochs of every fit but the tuned LSTM's (default "
                   f"{DEFAULT_EPOCHS}; --task codes: 1, as vqrecall "
                   "overfits the noise with more)")
    p.add_argument("--set", type=setting, action="append", default=[],
                   metavar="KEY=VALUE", dest="settings",
                   help="a hyperparameter of every model that has KEY "
                   "(repeatable; a key no model here has is refused), e.g. "
                   "--set convolution=false --set layers=1 for an ablation "
                   "(give it its own --out)")
    p.add_argument("--tune-lstm", action=argparse.BooleanOptionalAction,
                   default=True,
                   help="choose the LSTM's lr and epochs on validation "
                   "(--no-tune-lstm: --epochs, lr 5e-4)")
    p.add_argument("--quick", action="store_true",
                   help="tiny tasks and 1 epoch (a check of the pipeline: "
                   "lags 8,16; a 32-value content window; lookbacks 48,96)")
    return p


def check_task_flags(args):
    """`UsageError` for a size flag given to a task it is not for."""
    for flag, value, tasks in (
            ("--lags", args.lags, ("lag",)),
            ("--window", args.window, ("content", "codes")),
            ("--lookbacks", args.lookbacks, ("taylor",)),
            ("--windows", args.windows, ("ceiling",)),
            ("--codes", args.codes, ("ceiling", "codes")),
            ("--heads", args.heads, ("ceiling", "codes")),
            ("--draws", args.draws, ("ceiling",)),
            ("--exact", args.exact or None, ("content", "ceiling", "codes"))):
        if value is not None and args.task not in tasks:
            raise UsageError(f"{flag} is for --task {' or '.join(tasks)}, "
                             f"not --task {args.task}")


def _epochs(args, default):
    """`--epochs` (`default` if not given); `UsageError` unless `--seeds`
    and it are >= 1."""
    epochs = default if args.epochs is None else args.epochs
    if args.seeds < 1 or epochs < 1:
        raise UsageError("--seeds and --epochs must be >= 1")
    return epochs


def _content_a(args):
    """The content task's copy coefficient `a` of a command: 1 with
    `--exact`, else the task's default."""
    from kzoo.benchmarks.recall import tasks

    return 1.0 if args.exact else tasks.ContentTask.a


def _log(args):
    """The recipe's progress printer (silent with --quiet)."""
    return (lambda *a: None) if args.quiet else (
        lambda *a: print(*a, flush=True))


def build(args):
    """The `Suite` of a command, every argument checked (`UsageError`)."""
    from kzoo import models
    from kzoo.benchmarks.recall import suite
    from kzoo.benchmarks.recall import tasks

    names = args.model or DEFAULT_MODELS
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UsageError(f"--model {repeated[0]} is given twice: give each "
                         "model once")
    check_task_flags(args)
    epochs = _epochs(args, DEFAULT_EPOCHS)
    quick = QUICK if args.quick else {}
    if args.task == "lag":
        task = tasks.LagTask(**quick.get("lag", {}))
        sizes = int_list(quick.get("lags", DEFAULT_LAGS) if args.lags is None
                       else args.lags, "--lags")
        for lag in sizes:
            task.check(lag)
    elif args.task == "content":
        options = dict(quick.get("content", {}))
        if args.window is not None:
            options["window"] = args.window
        task = tasks.ContentTask(**options, a=_content_a(args))
        sizes = [task.window]
    else:
        task = tasks.TaylorTask()
        sizes = int_list(quick.get("lookbacks", DEFAULT_LOOKBACKS)
                       if args.lookbacks is None else args.lookbacks,
                       "--lookbacks")
    settings = dict(args.settings)
    models.check_settings(settings, names, refused={
        "time_steps": "the task sets the window length"})
    grid = None
    if args.tune_lstm:
        grid = suite.QUICK_LSTM_GRID if args.quick else suite.LSTM_GRID
    return suite.Suite(args.task, task, names, sizes, args.seeds,
                       quick.get("epochs", epochs),
                       args.out, grid, _log(args), 2 if args.verbose else 0,
                       settings)


def ceiling_sweep(args):
    """`--task ceiling`: the sweep's sizes checked, run and written."""
    from kzoo.benchmarks.recall import ceiling
    from kzoo.benchmarks.recall import tasks

    check_task_flags(args)
    if args.model:
        raise UsageError("--task ceiling trains no model: drop --model")
    windows = int_list(args.windows or ceiling.DEFAULT_WINDOWS, "--windows")
    codes = int_list(args.codes or ceiling.DEFAULT_CODES, "--codes")
    heads = int_list(args.heads or ceiling.DEFAULT_HEADS, "--heads")
    a = _content_a(args)
    for window in windows:
        task = tasks.ContentTask(window=window, a=a)  # every window checked
    if max(heads) > task.key:
        raise UsageError(f"--heads: at most the key's {task.key} values")
    draws = 1 if args.draws is None else args.draws
    if draws < 1:
        raise UsageError(f"--draws must be >= 1, got {draws}")
    results = ceiling.sweep(windows, codes, heads, _log(args), a, draws)
    print(ceiling.write(args.out, results, windows, codes, heads, a))
    return 0


def codes_sweep(args):
    """`--task codes`: vqrecall's cells checked, trained and written."""
    from kzoo import models
    from kzoo.benchmarks.recall import codes
    from kzoo.benchmarks.recall import tasks

    check_task_flags(args)
    if args.model:
        raise UsageError(f"--task codes trains {codes.MODEL} only: drop "
                         "--model")
    epochs = _epochs(args, 1)
    task = tasks.ContentTask(window=args.window or tasks.ContentTask.window,
                             a=_content_a(args))
    settings = dict(args.settings)
    models.check_settings(settings, [codes.MODEL], refused={
        "time_steps": "the task sets the window length",
        "n_head": "--heads sets it", "levels": "--codes sets it"})
    grid, skipped = codes.cells(
        int_list(args.codes or codes.DEFAULT_CODES, "--codes"),
        int_list(args.heads or codes.DEFAULT_HEADS, "--heads"), task.window,
        settings)
    log = _log(args)
    for (head, size), why in skipped.items():
        log(f"H={head} S={size}: not measured ({why})")
    results = codes.sweep(task, grid, args.seeds, epochs, args.out,
                          settings, log)
    print(codes.write(args.out, results, skipped, task, args.seeds,
                      epochs))
    return 0


def main(argv=None):
    args = parser().parse_args(argv)
    from kzoo.benchmarks.recall import report

    if args.task == "ceiling":
        return ceiling_sweep(args)
    if args.task == "codes":
        return codes_sweep(args)
    plan = build(args)
    plan.check()  # every run planned: bad input fails before any training
    runs = sum(len(plan.candidates(n)) + plan.seeds - 1
               for n in plan.models) * len(plan.sizes)
    plan.log(f"task {plan.kind}: {len(plan.models)} model(s) x "
             f"{len(plan.sizes)} size(s), {runs} runs in "
             f"{os.path.join(plan.out, plan.kind)}")
    results = plan.run()
    results["quick"] = args.quick
    text = report.write(args.out, results)
    print(report.section(results))
    if not args.quiet:
        print(f"wrote {os.path.join(args.out, 'recall.md')}"
              f" ({len(text.splitlines())} lines) and "
              f"{os.path.join(args.out, f'recall_{plan.kind}.png')}")
    return 0


def cli(argv=None):
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(cli())
