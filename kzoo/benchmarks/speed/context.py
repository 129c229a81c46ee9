"""Train-step time and peak memory against the context length T.

The context issue's cost ruler: one training step of batch 32 at
T = 512 ... 8192 (`shapes.CONTEXT`) for the codebook cache over time
(`vqcache`: linear in T), content recall by code matches (`vqrecall`:
`T log T`, a sort), the time-mixing codebook model (`vqmixer`: its
`(T, T)` token-mixing kernels make it quadratic) and the LSTM (sequential
in T), each at width 64 (`d_model`, or the LSTM's `units`). Each
configuration runs in a fresh child process (`step`), so its peak RSS is
its own, and its step is the median of several timed steps; `ratios`
reports how each model's step time grows from
T = 1024 to 8192 (8x is linear).

    KERAS_BACKEND=jax python -m kzoo.benchmarks.speed.context \\
        '{"name": "vqcache", "length": 1024}'

Each row names the memory allocator it ran under (`allocator`): on a
CPU the step of a long context is bound by it. glibc's `malloc` serves
every block above 32 MB with a fresh `mmap`, whose pages fault in anew at
every step; torch's tensors of `vqcache` at T = 8192 are such blocks.
Transparent huge pages make those faults 512 times fewer at no cost in
memory: torch's `THP_MEM_ALLOC_ENABLE=1` (which importing kzoo sets
unless it is set) and glibc's `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`
(every backend; read at start-up, so the user's to set).
`MALLOC_MMAP_MAX_=0` (serve them from the heap, reused) or a caching
allocator (jemalloc, tcmalloc through `LD_PRELOAD`, as PyTorch's
performance guide advises) also remove it, holding more memory; the
figures are in `docs/recall.md`, Cost.
"""

import json
import os
import resource
import sys
import time

import keras
import numpy as np

from kzoo import backend as kzoo_backend
from kzoo import models
from kzoo.benchmarks.shapes import CONTEXT

MODELS = ("vqcache", "vqrecall", "vqmixer", "lstm")
#: How long `step` times steps for (seconds), once it has timed `repeats`.
MIN_SECONDS = 2.0


def _width(name):
    """The model's width hyperparameter at the benchmark's width."""
    defaults = models.spec(name).defaults
    key = "units" if "units" in defaults else "d_model"
    return {key: CONTEXT["dim"]} if key in defaults else {}


def allocator(environ=None, backend=None):
    """The memory allocator this process runs under, in words.

    >>> allocator({"MALLOC_MMAP_MAX_": "0"})
    'glibc malloc, mmap off (MALLOC_MMAP_MAX_=0)'
    >>> allocator({"LD_PRELOAD": "/usr/lib/libjemalloc.so.2"})
    'LD_PRELOAD=libjemalloc.so.2'
    >>> allocator({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"})
    'glibc malloc, huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)'
    >>> allocator({"THP_MEM_ALLOC_ENABLE": "1"}, backend="torch")
    'glibc malloc; torch: huge pages (THP_MEM_ALLOC_ENABLE=1)'
    """
    environ = os.environ if environ is None else environ
    preload = environ.get("LD_PRELOAD")
    if preload:
        name = "LD_PRELOAD=" + " ".join(
            os.path.basename(p) for p in preload.replace(":", " ").split())
    elif environ.get("MALLOC_MMAP_MAX_") == "0":
        name = "glibc malloc, mmap off (MALLOC_MMAP_MAX_=0)"
    else:
        name = "glibc malloc"
    tunables = environ.get("GLIBC_TUNABLES", "").split(":")
    huge = [t for t in tunables if t in ("glibc.malloc.hugetlb=1",
                                         "glibc.malloc.hugetlb=2")]
    if huge and not preload:
        name += f", huge pages (GLIBC_TUNABLES={huge[0]})"
    if backend == "torch" and environ.get("THP_MEM_ALLOC_ENABLE") == "1":
        name += "; torch: huge pages (THP_MEM_ALLOC_ENABLE=1)"
    return name


def step(name, length, batch=CONTEXT["batch"], repeats=3,
         min_seconds=MIN_SECONDS, max_repeats=20):
    """One model's train step at `length` tokens: a row (dict).

    After one warm-up step (compilation), times steps one by one: at
    least `repeats`, and more until `min_seconds` have passed or
    `max_repeats` steps were timed. `step_ms` is their median, `step_ms_min` and
    `step_ms_max` their spread: a short step of a fresh process moves by
    tens of percent from one step to the next on a CPU, and the median of
    several is what a ratio of two lengths can be read against. Call in a
    fresh process for a meaningful peak RSS.
    """
    if not 1 <= repeats <= max_repeats:
        raise ValueError(f"repeats={repeats} must be in [1, max_repeats="
                         f"{max_repeats}]")
    spec = models.spec(name)
    hparams = {**spec.defaults, **_width(name), "time_steps": length}
    if "max_length" in spec.defaults:
        hparams["max_length"] = length
    kzoo_backend.set_random_seed(0)
    model = models.build(name, **hparams)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, length, 1)).astype("float32")
    y = (x if spec.target == "aligned" else x[:, -1]).astype("float32")
    start = time.perf_counter()
    model.train_on_batch(x, y)
    warm_up = time.perf_counter() - start
    times, began = [], time.perf_counter()
    while len(times) < repeats or (
            len(times) < max_repeats
            and time.perf_counter() - began < min_seconds):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(1000 * (time.perf_counter() - start))
    return {"model": name, "time_steps": length, "batch": batch,
            "params": int(model.count_params()), "warm_up_s": warm_up,
            "step_ms": float(np.median(times)),
            "step_ms_min": min(times), "step_ms_max": max(times),
            "repeats": len(times),
            "peak_rss_mb": (resource.getrusage(resource.RUSAGE_SELF)
                            .ru_maxrss / 1024),
            "device_mb": kzoo_backend.device_peak_memory_mb(),
            "allocator": allocator(backend=keras.backend.backend())}


def ratios(rows, short=1024, long=8192):
    """`{model: (step ratio, memory ratio)}` from T=`short` to `long`.

    Only models measured at both lengths appear; a ratio of `long / short`
    (8) is linear growth.
    """
    by = {(r["model"], r["time_steps"]): r for r in rows if "step_ms" in r}
    out = {}
    for name in dict.fromkeys(r["model"] for r in rows):
        a, b = by.get((name, short)), by.get((name, long))
        if a and b:
            out[name] = (b["step_ms"] / a["step_ms"],
                         b["peak_rss_mb"] / a["peak_rss_mb"])
    return out


if __name__ == "__main__":
    from kzoo.benchmarks import child

    child.emit(step(**json.loads(sys.argv[1])))
