"""Benchmarks: training speed per backend, codebook scaling, rollout speed.

    python recipes/bench.py --out bench/            # full run, every backend
    python recipes/bench.py --quick --out /tmp/b     # under a minute

Each backend runs in its own subprocess (KERAS_BACKEND set for it; its
progress and warnings in --out/<backend>.log). Writes one markdown table per
figure (throughput.md, reference.md, scaling.md, rollout.md, and all of them
in bench.md) and scaling.png to --out.
"""

import importlib.util
import os
import sys

if not __package__:  # run as a script from a checkout, not as kzoo.recipes
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from kzoo.benchmarks.speed.suite import BACKENDS  # noqa: E402
from kzoo.benchmarks.speed.suite import SECTIONS  # noqa: E402
from kzoo.errors import UsageError  # noqa: E402
from kzoo.recipes_cli import INPUT_ERRORS  # noqa: E402
from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402


def parser():
    from kzoo.benchmarks import shapes
    from kzoo.recipes_cli import parser as make_parser

    p = make_parser(
        __file__,
        (
            "Measure kzoo: (1) training throughput of each model on each "
            "backend, with and without jit_compile; (2) the reference "
            "configurations end to end (50 epochs) beside the reference "
            "PyTorch figures and the reference loop in plain PyTorch timed "
            "on this machine (with the torch backend), timed anew by every "
            "command (each leaves a new run directory in OUT/runs: a "
            "finished one is never reused); (3) flat codebooks, "
            "read at once and in chunks of 8192 rows, against product "
            "codebooks for effective vocabularies 2^10 to 2^20 "
            f"({shapes.label(shapes.SCALING)}); "
            "(4) regressive rollout speed; (5) context: one train step's "
            "time and peak RSS of vqcache (linear in T), vqmixer (quadratic) "
            "and the LSTM (sequential) at T = 512 to 8192 "
            f"(width {shapes.CONTEXT['dim']}, batch "
            f"{shapes.CONTEXT['batch']}), each in its own process, and the "
            "growth from 1024 to 8192; a length past 15 minutes skips the "
            "model's longer ones. Nothing is asserted: figures are "
            "reported."
        ),
        [common_parser(out="bench", seed=False)],
    )
    p.add_argument("--dataset", default="y_w", metavar="SPEC",
                   help="series for throughput and the reference runs "
                   "(default: the built-in reference series)")
    p.add_argument("--backends", default=None,
                   help="comma-separated (default: every installed backend)")
    p.add_argument("--sections", default=",".join(SECTIONS),
                   help=f"comma-separated subset of {','.join(SECTIONS)}")
    p.add_argument("--memory-limit-gb", type=float, default=6.0,
                   help="skip codebook configurations estimated above this")
    p.add_argument("--context-tokens", type=int, default=None, metavar="N",
                   help="also time each context step with its batch taken "
                   "in passes of at most N tokens, the gradients averaged "
                   "(Keras's gradient_accumulation_steps: the same Adam "
                   "update), e.g. 32768: one pass of 32 sequences at "
                   "T = 1024, eight of 4 at 8192")
    p.add_argument("--quick", action="store_true",
                   help="tiny settings on the active backend only (unless "
                   "--backends), under a minute, to check the output")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if not args.memory_limit_gb > 0:
        raise UsageError(
            f"--memory-limit-gb must be > 0, got {args.memory_limit_gb}")
    if args.context_tokens is not None and args.context_tokens < 1:
        raise UsageError(
            f"--context-tokens must be >= 1, got {args.context_tokens}")
    sections = args.sections.split(",")
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise UsageError(f"unknown section(s) {', '.join(unknown)}; valid: "
                         f"{', '.join(SECTIONS)}")
    installed = [b for b in BACKENDS if importlib.util.find_spec(b)]
    if args.backends:
        backends = args.backends.split(",")
    elif args.quick:  # the active backend only
        backends = [os.environ.get("KERAS_BACKEND", "jax")]
    else:
        backends = installed
    for b in backends:
        if b not in installed:
            raise UsageError(f"backend {b!r} is not installed; installed: "
                             f"{', '.join(installed)}")
    from kzoo import data
    from kzoo.benchmarks.speed import suite

    print(data.load(args.dataset).describe(), flush=True)
    out = os.path.abspath(args.out)
    suite.run_benchmarks(backends, suite.worker_config(args, out), out,
                         sections, log=lambda text: print(text, flush=True))
    return 0


def cli(argv=None):
    return run(main, argv, INPUT_ERRORS + (RuntimeError,))


if __name__ == "__main__":
    sys.exit(cli())
