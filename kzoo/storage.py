"""Files that many processes share: atomic JSON writes and OS file locks.

- `write_json` writes through a temporary file named for the writing
  process and thread, then renames it into place: a reader sees the old
  file or the new one, never half of one, and two writers never share a
  temporary file.
- `FileLock` holds an OS lock (`flock`) on a lock file for as long as a
  process works on what it guards (a run, a study cell, a cache file); the
  OS releases it however the process ends.

A write that fails (a full disk, a read-only folder) raises an `OSError`
that names the file, and leaves the previous file as it was.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "cell.json")
>>> write_json(path, {"seeds": [0, 1]})
>>> read_json(path)
{'seeds': [0, 1]}
>>> with FileLock(path + ".lock"):
...     pass
"""

import fcntl
import hashlib
import json
import math
import os
import threading

from kzoo.errors import RunBusy


def _named(error, path):
    """`error` again, naming `path` (`[Errno 28] No space left on device:
    'PATH'`)."""
    return OSError(error.errno, error.strerror or str(error), path)


def write_json(path, value, indent=2, sort_keys=True):
    """Write `value` as strict JSON (no NaN) to `path`, atomically."""
    write_file(path, json.dumps(value, indent=indent, sort_keys=sort_keys,
                                allow_nan=False) + "\n")


def write_file(path, content):
    """Write `content` (text, as UTF-8, or bytes) to `path`, atomically.

    A temporary file per process and thread beside `path`, renamed into
    place; a failed write names `path` and leaves the old file as it was.
    """
    temporary = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise _named(error, path) from None


# How `jsonable(..., nonfinite="text")` writes NaN and the infinities.
NONFINITE_TEXT = ("nan", "inf", "-inf")


def jsonable(value, nonfinite=None):
    """`value` as strict JSON: lists for tuples and arrays, Python numbers
    for NumPy's, and NaN and the infinities as `None` (default) or, with
    `nonfinite="text"`, as `"nan"`, `"inf"`, `"-inf"` (`from_jsonable`
    reads those back).

    >>> jsonable({"a": (1, float("nan")), "b": [float("-inf")]})
    {'a': [1, None], 'b': [None]}
    >>> from_jsonable(jsonable([float("inf")], nonfinite="text"))
    [inf]
    """
    if isinstance(value, dict):
        return {k: jsonable(v, nonfinite) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # NumPy arrays and scalars
    if isinstance(value, (list, tuple)):
        return [jsonable(v, nonfinite) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value) if nonfinite == "text" else None
    return value


def from_jsonable(value):
    """The inverse of `jsonable(..., nonfinite="text")` (lists stay lists)."""
    if isinstance(value, dict):
        return {k: from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    if isinstance(value, str) and value in NONFINITE_TEXT:
        return float(value)
    return value


def digest(value):
    """A 12-character name for a JSON value (its sorted-key text's SHA-1).

    >>> digest({"b": 1, "a": [2]}) == digest({"a": [2], "b": 1})
    True
    """
    text = json.dumps(value, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def read_json(path):
    """The JSON value in `path`; `None` if there is no such file.

    Raises:
        ValueError: the file is not JSON (damaged); the caller decides
            whether to measure again or refuse.
    """
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


class FileLock:
    """An exclusive OS lock on `path` (created if missing) while in `with`.

    Args:
        path: the lock file.
        wait: block until the holder lets go (default: raise at once).
        what: what the lock guards, for the message (`"this cell"`).
        hint: what the user can do, appended to the message (default:
            wait for the other process to end).

    Raises:
        RunBusy: another live process holds the lock (and `wait` is
            false); the message names its pid.
    """

    def __init__(self, path, wait=False, what=None, hint=None):
        self.path = path
        self.wait = wait
        self.what = what or path
        self.hint = hint or "wait for it to end"
        self._fd = None

    def __enter__(self):
        while True:
            folder = os.path.dirname(self.path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait
                                                 else fcntl.LOCK_NB))
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
                os.close(fd)
                raise RunBusy(
                    f"another process (pid {holder or '?'}) is working on "
                    f"{self.what}; {self.hint}") from None
            # The holder may have removed or replaced the file while this
            # process waited (a finished run renames its folder): lock the
            # file that is there now.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        return False
