"""A run's staging directory: one writer, counted attempts, an atomic finish.

A run trains in `OUT/<name>/.partial-<key>/` and becomes
`OUT/<name>/<timestamp>/` by one rename once complete. `Staging` holds an
OS file lock on it for as long as a process works there (released by the
OS when the process dies, however it dies), so two identical commands never
write the same run; it counts the attempts and sums their wall time, cuts
the history back to the epoch a resumed run restarts from, and finds runs
that already finished.
"""

import datetime
import glob
import json
import os
import shutil
import time

import pandas as pd

from kzoo.errors import DataError
from kzoo.errors import RunBusy  # noqa: F401 (kzoo.training.RunBusy)
from kzoo.errors import UsageError
from kzoo.eval.run_dir import CONFIG_FILE
from kzoo.eval.run_dir import HISTORY_FILE
from kzoo.eval.run_dir import PARTIAL_PREFIX
from kzoo.storage import FileLock
from kzoo.storage import write_file
from kzoo.storage import write_json
from kzoo.training.callbacks import replay_tensorboard

LOCK_FILE = ".lock"
STATE_FILE = "attempts.json"
PLAN_FILE = "plan.json"
LOGS_DIR = "logs"
# What a process holding the lock can do about a busy run (train.py's
# flag); a caller without `--wait` words its own.
# What a user can do when another process holds the run: every caller but
# train.py, which has --wait (`WAIT_HINT`), and words its own.
BUSY_HINT = "wait for it to end, then run the same command again"
WAIT_HINT = "wait for it to end, or add --wait"
# Bad input found once the run has started: nothing is left of it.
REFUSALS = (UsageError, DataError)


def find_finished(out, name, key):
    """The finished run directory of plan `key` under `OUT/<name>`, or None."""
    for config_path in sorted(glob.glob(os.path.join(out, name, "*",
                                                     CONFIG_FILE))):
        folder = os.path.dirname(config_path)
        if os.path.basename(folder).startswith(PARTIAL_PREFIX):
            continue
        try:
            with open(config_path, encoding="utf-8") as f:
                config = json.load(f)
        except (OSError, ValueError):
            continue  # a damaged run is not a finished one
        if isinstance(config, dict) and config.get("key") == key:
            return folder
    return None


def _missing_folders(path):
    """The folders `os.makedirs(path)` would create, outermost first."""
    missing = []
    path = os.path.abspath(path)
    while not os.path.exists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing[::-1]


def _timestamp_dir(parent):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H-%M-%S")
    path, n = os.path.join(parent, stamp), 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(parent, f"{stamp}-{n}")
    return path


class Staging:
    """Context manager: the locked staging directory of one plan.

    Args:
        plan: a `kzoo.training.Plan`.
        wait: wait for another process that holds the lock, instead of
            raising `RunBusy` at once.
        reuse: after taking the lock, look for a finished identical run
            (`finished` is then its directory and nothing is trained).
        log: function printing one line.
        hint: what the user can do when another process holds the run,
            ending the `RunBusy` message (default `BUSY_HINT`).

    A run refused for bad input (`UsageError`, `DataError` raised inside
    the `with`) before it wrote anything but this bookkeeping leaves
    nothing behind: its staging directory goes, and the empty folders
    created for it.

    Attributes:
        path: the staging directory.
        finished: a finished run of the same plan, or `None`.
        attempts: this attempt's number (1 for a fresh run).
    """

    def __init__(self, plan, wait=False, reuse=True, log=print, hint=None):
        self.plan = plan
        self.path = plan.staging_dir
        self.wait = wait
        self.reuse = reuse
        self.log = log
        self.hint = hint or BUSY_HINT
        self._created = None
        self.finished = None
        self.attempts = 0
        self._lock = None
        self._previous_wall = 0.0
        self._start = None

    # Lock --------------------------------------------------------------
    def __enter__(self):
        self._created = _missing_folders(self.path)
        self._lock = FileLock(os.path.join(self.path, LOCK_FILE), self.wait,
                              what=f"this run in {self.path}",
                              hint=self.hint).__enter__()
        if self.reuse:
            self.finished = next(
                (found for found in (find_finished(self.plan.out,
                                                   self.plan.name, key)
                                     for key in self.plan.keys()) if found),
                None)
            if self.finished:
                self._drop_if_empty()
                return self
        self._begin_attempt()
        return self

    def __exit__(self, kind, error, trace):
        try:
            if kind is not None and issubclass(kind, REFUSALS) and not (
                    self._resumable()):
                self._remove()
            elif self._start is not None and self.finished is None:
                try:
                    self.save_progress()
                except OSError:
                    if kind is None:
                        raise
                    # A full disk: the error on its way out says so.
        finally:
            if self._lock is not None:
                self._lock.__exit__(None, None, None)
                self._lock = None
        return False

    def _resumable(self):
        """Whether the staging directory holds more than its bookkeeping
        (a backup to resume from, the history of finished epochs)."""
        try:
            held = set(os.listdir(self.path))
        except FileNotFoundError:
            return False
        return bool(held - {LOCK_FILE, STATE_FILE, PLAN_FILE})

    def _remove(self):
        """Remove the staging directory and the empty folders made for it."""
        shutil.rmtree(self.path, ignore_errors=True)
        for folder in reversed(self._created or []):
            if folder == os.path.abspath(self.path):
                continue
            try:
                os.rmdir(folder)  # only if empty: others may write there
            except OSError:
                break

    def _drop_if_empty(self):
        """Remove a staging directory this process created for nothing."""
        if os.listdir(self.path) == [LOCK_FILE]:
            shutil.rmtree(self.path, ignore_errors=True)

    # Attempts ----------------------------------------------------------
    def _begin_attempt(self):
        state_path = os.path.join(self.path, STATE_FILE)
        state = {"attempts": 0, "wall_s": 0.0}
        if os.path.isfile(state_path):
            try:
                with open(state_path, encoding="utf-8") as f:
                    state.update(json.load(f))
            except (OSError, ValueError):
                self.log(f"{state_path} was damaged: the wall time of earlier "
                         "attempts is lost")
        self.attempts = int(state["attempts"]) + 1
        self._previous_wall = float(state["wall_s"])
        plan_path = os.path.join(self.path, PLAN_FILE)
        if not os.path.isfile(plan_path):
            write_json(plan_path, self.plan.config())
            self._note_other_backends()
        write_json(state_path, {"attempts": self.attempts,
                                "wall_s": self._previous_wall})

    def _note_other_backends(self):
        """Say so when the same run waits, interrupted, under a backend."""
        mine = self.plan.config()
        pattern = os.path.join(self.plan.out, self.plan.name,
                               PARTIAL_PREFIX + "*", PLAN_FILE)
        for path in sorted(glob.glob(pattern)):
            if os.path.dirname(path) == self.path:
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    other = json.load(f)
            except (OSError, ValueError):
                continue
            if {**other, "backend": mine["backend"]} == mine:
                self.log(
                    f"note: {os.path.dirname(path)} holds this run, "
                    f"interrupted under {other['backend']}; "
                    f"KERAS_BACKEND={other['backend']} resumes it. This one "
                    f"starts afresh under {mine['backend']}."
                )

    def start_clock(self):
        self._start = time.perf_counter()

    def wall_s(self):
        """Seconds spent fitting, over every attempt so far."""
        elapsed = 0.0 if self._start is None else (
            time.perf_counter() - self._start)
        return self._previous_wall + elapsed

    def save_progress(self):
        """Record the attempts and their wall time (after every epoch)."""
        write_json(os.path.join(self.path, STATE_FILE),
                   {"attempts": self.attempts, "wall_s": self.wall_s()})

    # History -----------------------------------------------------------
    def rewind(self, epoch):
        """Cut `history.csv` and the TensorBoard logs back to `epoch`."""
        history = os.path.join(self.path, HISTORY_FILE)
        logs = os.path.join(self.path, LOGS_DIR)
        rows = []
        if epoch > 0 and os.path.isfile(history):
            try:
                frame = pd.read_csv(history)
                rows = frame[frame["epoch"] < epoch].to_dict("records")
            except (ValueError, KeyError, pd.errors.ParserError):
                self.log(f"{history} was damaged: its rows are dropped")
        if os.path.isfile(history):
            if rows:
                write_file(history, pd.DataFrame(rows).to_csv(index=False))
            else:
                os.remove(history)
        shutil.rmtree(logs, ignore_errors=True)
        if rows:
            replay_tensorboard(logs, rows)

    # Finish ------------------------------------------------------------
    def finish(self):
        """Rename the staging directory to `OUT/<name>/<timestamp>/`."""
        for name in (STATE_FILE, PLAN_FILE):
            path = os.path.join(self.path, name)
            if os.path.exists(path):
                os.remove(path)
        final = _timestamp_dir(os.path.join(self.plan.out, self.plan.name))
        os.replace(self.path, final)
        os.remove(os.path.join(final, LOCK_FILE))
        self._start = None
        return final
