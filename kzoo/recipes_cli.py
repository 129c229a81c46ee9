"""Helpers shared by the command-line recipes."""

import os
import sys


def quiet_backend_logs():
    """Silence TensorFlow's C++ start-up chatter (before it is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def fail(error, code=2):
    """Print a one-line error to stderr and return the exit `code`."""
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"error: {message}", file=sys.stderr)
    return code


def run(main, argv=None, errors=(ValueError, OSError)):
    """Call `main(argv)`; bad input becomes a one-line error and exit code 2."""
    try:
        return main(argv)
    except errors as error:
        return fail(error)
