"""A measurement in a child process, and its one result line.

The benchmarks measure each configuration in a fresh Python process (its
peak RSS its own, one backend per process). The child is a module run with
`python -m MODULE CONFIG_JSON`; it prints any progress to stderr and its
result as one line `RESULT <json>` on stdout (`emit`). The parent starts it
with `run` and reads that line back.

>>> import json, subprocess, sys
>>> out = subprocess.run(
...     [sys.executable, "-c",
...      "from kzoo.benchmarks import child; child.emit({'a': 1})"],
...     capture_output=True, text=True, env=environment()).stdout
>>> result_of(out)
{'a': 1}
"""

import json
import os
import subprocess
import sys

PREFIX = "RESULT "
# The folder that holds the `kzoo` package: children import the same kzoo
# as their parent, from whatever directory they are started in.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class ChildFailed(RuntimeError):
    """A child exited without a result line.

    Attributes:
        returncode: the child's exit status (negative: killed by that
            signal, as `subprocess` reports it).
        tail: the last line the child wrote to stderr (`""` if none).
    """

    def __init__(self, message, returncode, tail):
        super().__init__(message)
        self.returncode = returncode
        self.tail = tail


def emit(value):
    """Print `value` as the child's result line (JSON)."""
    print(PREFIX + json.dumps(value), flush=True)


def result_of(stdout):
    """The value of the last result line of `stdout`, or `None`."""
    lines = [line for line in stdout.splitlines() if line.startswith(PREFIX)]
    return json.loads(lines[-1][len(PREFIX):]) if lines else None


def environment(**variables):
    """`os.environ` with kzoo importable and `variables` set (strings)."""
    env = dict(os.environ, **variables)
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def describe(returncode):
    """`"exit code N"`, or the signal that killed the process."""
    if returncode < 0:
        import signal

        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}"
    return f"exit code {returncode}"


def run(module, config, env=None, log_path=None, timeout=None):
    """Run `python -m module CONFIG_JSON`; return its result.

    Args:
        module: the child's module (it calls `emit` once).
        config: a JSON-serialisable value, the child's only argument.
        env: the child's environment (default `environment()`).
        log_path: a file for the child's stderr (default: captured).
        timeout: seconds after which the child is killed (`ChildFailed`
            saying so); `None`: no limit.

    Raises:
        KeyboardInterrupt: the child was stopped by SIGINT.
        ChildFailed: it exited without a result line; the message says
            how it ended (its exit code or the signal that killed it) and
            its last line of stderr, or the log to read.
    """
    command = [sys.executable, "-m", module, json.dumps(config)]
    env = environment() if env is None else env
    try:
        if log_path is None:
            done = subprocess.run(command, env=env, capture_output=True,
                                  text=True, timeout=timeout)
        else:
            with open(log_path, "w", encoding="utf-8") as log:
                done = subprocess.run(command, env=env,
                                      stdout=subprocess.PIPE, stderr=log,
                                      text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ChildFailed(f"stopped after the {timeout:g} s limit", None,
                          "") from None
    if log_path is None:
        tail = (done.stderr.strip().splitlines() or [""])[-1]
    else:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            tail = (log.read().strip().splitlines() or [""])[-1]
    result = result_of(done.stdout)
    if done.returncode == 0 and result is not None:
        return result
    if done.returncode in (-2, 130):
        raise KeyboardInterrupt
    how = describe(done.returncode)
    where = f" (see {log_path})" if log_path else ""
    said = f": {tail[:200]}" if tail else ""
    raise ChildFailed(f"{how}{said}{where}", done.returncode, tail)
