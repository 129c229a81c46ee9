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


def micro_batch(length, batch, tokens):
    """Sequences per pass when a pass holds at most `tokens` tokens.

    The largest divisor of `batch` whose `length`-step sequences fit in
    `tokens` (at least one sequence); `batch` itself when `tokens` is None.

    >>> micro_batch(1024, 32, 32768), micro_batch(8192, 32, 32768)
    (32, 4)
    >>> micro_batch(8192, 32, None), micro_batch(8192, 32, 1000)
    (32, 1)
    """
    if tokens is None:
        return batch
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
        raise ValueError(f"tokens={tokens!r} must be a positive int")
    fits = max(1, tokens // length)
    return max(d for d in range(1, batch + 1) if batch % d == 0 and d <= fits)


def compiled(name, length, batch=CONTEXT["batch"], tokens=None):
    """`(model, update)`: model `name` at the ruler's width, compiled, and
    a function that runs one Adam update on a fixed batch of noise.

    The update takes the batch in passes of `micro_batch(length, batch,
    tokens)` sequences (one pass without `tokens`).
    """
    spec = models.spec(name)
    hparams = {**spec.defaults, **_width(name), "time_steps": length}
    if "max_length" in spec.defaults:
        hparams["max_length"] = length
    kzoo_backend.set_random_seed(0)
    model = models.build(name, **hparams)
    size = micro_batch(length, batch, tokens)
    passes = batch // size
    model.compile(keras.optimizers.Adam(
        1e-3, gradient_accumulation_steps=passes if passes > 1 else None),
        "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, length, 1)).astype("float32")
    y = (x if spec.target == "aligned" else x[:, -1]).astype("float32")

    def update():
        for i in range(0, batch, size):
            model.train_on_batch(x[i:i + size], y[i:i + size])

    return model, update


def step(name, length, batch=CONTEXT["batch"], repeats=3,
         min_seconds=MIN_SECONDS, max_repeats=20, tokens=None):
    """One model's train step at `length` tokens: a row (dict).

    After one warm-up step (compilation), times steps one by one: at
    least `repeats`, and more until `min_seconds` have passed or
    `max_repeats` steps were timed. `step_ms` is their median, `step_ms_min` and
    `step_ms_max` their spread: a short step of a fresh process moves by
    tens of percent from one step to the next on a CPU, and the median of
    several is what a ratio of two lengths can be read against. Call in a
    fresh process for a meaningful peak RSS.

    With `tokens`, a step is the same Adam update over the batch taken in
    passes of `micro_batch(length, batch, tokens)` sequences, their
    gradients averaged by Keras's `gradient_accumulation_steps`: the
    activations of a pass stay the same size at every length (the CPU's
    caches hold them or not alike), where one pass of the whole batch at
    `T = 8192` streams every activation from memory. The only
    difference from one pass: a layer's own updates in `call` (a
    codebook's EMA) run once per pass.
    """
    if not 1 <= repeats <= max_repeats:
        raise ValueError(f"repeats={repeats} must be in [1, max_repeats="
                         f"{max_repeats}]")
    model, update = compiled(name, length, batch, tokens)
    start = time.perf_counter()
    update()
    warm_up = time.perf_counter() - start
    times, began = [], time.perf_counter()
    while len(times) < repeats or (
            len(times) < max_repeats
            and time.perf_counter() - began < min_seconds):
        start = time.perf_counter()
        update()
        times.append(1000 * (time.perf_counter() - start))
    row = {} if tokens is None else {
        "tokens": tokens, "micro_batch": micro_batch(length, batch, tokens)}
    return {**row, "model": name, "time_steps": length, "batch": batch,
            "params": int(model.count_params()), "warm_up_s": warm_up,
            "step_ms": float(np.median(times)),
            "step_ms_min": min(times), "step_ms_max": max(times),
            "repeats": len(times),
            "peak_rss_mb": (resource.getrusage(resource.RUSAGE_SELF)
                            .ru_maxrss / 1024),
            "device_mb": kzoo_backend.device_peak_memory_mb(),
            "allocator": allocator(backend=keras.backend.backend())}


def label(row):
    """A row's model, with its pass size when the batch was split.

    >>> label({"model": "vqcache"})
    'vqcache'
    >>> label({"model": "vqcache", "tokens": 32768})
    'vqcache, passes of 32768 tokens'
    """
    if row.get("tokens") is None:
        return row["model"]
    return f"{row['model']}, passes of {row['tokens']} tokens"


def ratios(rows, short=1024, long=8192):
    """`{label: (step ratio, memory ratio)}` from T=`short` to `long`.

    Only models measured at both lengths appear (keyed by `label`: a
    batch taken in passes is its own row); a ratio of `long / short` (8)
    is linear growth.
    """
    by = {(label(r), r["time_steps"]): r for r in rows if "step_ms" in r}
    out = {}
    for name in dict.fromkeys(label(r) for r in rows):
        a, b = by.get((name, short)), by.get((name, long))
        if a and b:
            out[name] = (b["step_ms"] / a["step_ms"],
                         b["peak_rss_mb"] / a["peak_rss_mb"])
    return out


if __name__ == "__main__":
    from kzoo.benchmarks import child

    child.emit(step(**json.loads(sys.argv[1])))
