"""What the command-line recipes share: common flags, errors, exit codes."""

import argparse
import json
import os
import sys

from kzoo.errors import DataError
from kzoo.errors import RunBusy
from kzoo.errors import UsageError


def common_parser(out=None, seed=True):
    """Parent parser of the flags the recipes share.

    Args:
        out: default of `--out` (no `--out` flag when `None`).
        seed: whether the recipe takes `--seed`.

    Every recipe gets `--quiet` / `--verbose` (mutually exclusive), read
    with `verbosity(args)`.
    """
    parser = argparse.ArgumentParser(add_help=False)
    if out is not None:
        parser.add_argument("--out", default=out, help="output directory")
    if seed:
        parser.add_argument("--seed", type=int, default=0,
                            help="seed of weights and shuffling")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("--quiet", action="store_true",
                      help="no progress bars, only the results")
    loud.add_argument("--verbose", action="store_true",
                      help="more progress output (every fit's progress bar)")
    return parser


def data_parser(default):
    """Parent parser of `--dataset` (default `default`) and `--encoding`."""
    from kzoo.data import DATASETS

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--dataset", default=default, metavar="SPEC",
        help=f"one of {', '.join(DATASETS)}: a CSV file (its last numeric "
        "column other than the first, or COLUMN), the built-in reference "
        "series y_w, the Santa Fe laser (shipped by reservoirpy) or "
        "Mackey-Glass (tau=17)",
    )
    parser.add_argument("--encoding", metavar="NAME",
                        help="text encoding of a csv: file (default utf-8)")
    return parser


def cluster_parser():
    """Parent parser of the timeouts of a recipe spread over machines by
    KerasTuner's distributed variables (`kzoo.tuning.distributed`)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--oracle-timeout", type=float, default=60.0,
                        help="worker: seconds to wait for the chief's oracle")
    parser.add_argument("--worker-timeout", type=float, default=300.0,
                        help="chief: hand the work of a worker silent this "
                        "long (seconds) to another")
    return parser


def check_cluster_flags(args):
    """`UsageError` unless both timeouts are > 0."""
    for flag in ("oracle_timeout", "worker_timeout"):
        value = getattr(args, flag)
        if not value > 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be > 0, got "
                             f"{value:g}")


def run_parser():
    """Parent parser of the flags of recipes that train runs."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--wait", action="store_true",
        help="if another process is training the same run, wait for it "
        "(default: stop at once with an error naming that process)")
    parser.add_argument(
        "--again", action="store_true",
        help="train anew even when an identical run has finished (default: "
        "report the finished run)")
    return parser


def setting(text):
    """`--set KEY=VALUE`: `(key, value)`, VALUE parsed as JSON when it can
    be (true, 3, 1e-3), dashes in KEY read as underscores."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        # argparse words it: "argument --set: needs KEY=VALUE, got ..."
        raise argparse.ArgumentTypeError(f"needs KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except ValueError:
        return key.replace("-", "_"), value


def int_list(text, flag):
    """A comma-separated flag (`--lags 8,16`) as distinct integers >= 1;
    `UsageError` naming `flag` otherwise."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise UsageError(f"{flag} must be a comma-separated list of "
                         f"integers, got {text!r}")
    try:
        sizes = [int(item) for item in items]
    except ValueError:
        raise UsageError(
            f"{flag} must be integers, got {text!r}") from None
    if any(k < 1 for k in sizes):
        raise UsageError(f"{flag}: every value must be >= 1, got {text!r}")
    repeated = sorted({k for k in sizes if sizes.count(k) > 1})
    if repeated:
        raise UsageError(f"{flag}: {repeated[0]} is given twice")
    return sizes


def verbosity(args):
    """0 with `--quiet`, 2 with `--verbose`, 1 otherwise."""
    return 0 if args.quiet else 2 if args.verbose else 1


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a flag's default unless its help already states it or it has
    none (`None`, `False` of a switch)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default in (None, False):
            return text
        return super()._get_help_string(action)


class RecipeParser(argparse.ArgumentParser):
    """`ArgumentParser` whose errors are one line (`error: ...`), exit 2.

    argparse prints the usage and then the error; the recipes print only
    the error, like every other bad input (`run` turns it into exit 2).
    """

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def parser(prog, description, parents=()):
    """A `RecipeParser` with the recipes' formatter and parents.

    `prog`: the recipe's file, named in usage and errors.
    """
    return RecipeParser(
        prog=os.path.basename(prog), description=description,
        parents=list(parents),
        formatter_class=HelpFormatter,
    )


def fail(error, code=2):
    """Print a one-line error to stderr and return the exit `code`."""
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"error: {message}", file=sys.stderr)
    return code


INTERRUPTED = ("interrupted ({signal}): finished runs are kept and the "
               "unfinished one resumes from its last backup: re-run the same "
               "command")


INPUT_ERRORS = (UsageError, DataError, RunBusy, OSError)


def run(main, argv=None, errors=INPUT_ERRORS):
    """Call `main(argv)` as a recipe: exit codes and one-line messages.

    - Bad input (`errors`: kzoo's `UsageError`, `DataError`, `RunBusy`,
      and `OSError`) prints one `error:` line: exit code 2. Any other
      exception is a bug inside kzoo: it keeps its traceback (exit 1).
    - Ctrl-C (SIGINT) and SIGTERM stop the recipe: a line saying how to
      resume, exit code 130 (143 for SIGTERM), on every backend, even when
      the recipe was started with SIGINT ignored
      (`kzoo.training.interrupts`).

    Called with `argv=None` (the process's own command line), an
    interrupted recipe ends the process at once after that line: by then
    everything finished is on disk (runs are renamed into place, every file
    is written atomically), and the interpreter's shutdown with a
    backend's threads stopped mid-work (JAX compiling, for one) can crash
    (exit 139 instead of 130). Called with a list, it returns the code.
    """
    from kzoo.training import interrupts

    interrupts.install()
    compilation_cache()
    try:
        return main(argv)
    except errors as error:
        return fail(error)
    except KeyboardInterrupt:
        return _stopped("SIGINT", 130, hard=argv is None)
    except interrupts.Terminated:
        return _stopped("SIGTERM", 143, hard=argv is None)


# Where the recipes keep JAX's compiled functions between runs, unless
# KZOO_JAX_CACHE names another folder ("" for none) or JAX's own
# JAX_COMPILATION_CACHE_DIR is set.
JAX_CACHE = os.path.join("~", ".cache", "kzoo", "jax")


def compilation_cache():
    """Keep JAX's compiled functions between recipe runs (JAX only).

    XLA compiles a run's train, validation and forecast functions anew in
    every process: about 2 s of the reference `vqlnmlp` run's 4 s on a
    CPU. With the cache a later run of the same model and shapes (another
    seed, the same command again) compiles nothing. A folder that cannot
    be made leaves the recipe without the cache, as before.
    """
    from kzoo import backend as kzoo_backend

    path = os.environ.get("KZOO_JAX_CACHE", JAX_CACHE)
    if not path:
        return
    try:
        kzoo_backend.enable_compilation_cache(os.path.expanduser(path))
    except OSError:
        pass


def _stopped(name, code, hard):
    """Say how to resume; with `hard`, end the process with `code` now."""
    print(INTERRUPTED.format(signal=name), file=sys.stderr)
    if not hard:
        return code
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
