"""Running the speed benchmarks: one child process per backend.

`run_benchmarks` runs `kzoo.benchmarks.speed.worker` once per backend
(`KERAS_BACKEND` set for it, its progress and warnings in
`OUT/<backend>.log`) and writes one markdown table per figure
(`throughput.md`, `reference.md`, `profile.md`, `scaling.md`, `rollout.md`,
`context.md`, all of them in
`bench.md`), `results.json` and `scaling.png`. `out` is resolved to an
absolute path: the workers write under it wherever they run.
"""

import io
import json
import os

from kzoo import backend as kzoo_backend
from kzoo.benchmarks import child
from kzoo.benchmarks import shapes
from kzoo.benchmarks.speed import context
from kzoo.benchmarks.speed import report
from kzoo.storage import write_file

BACKENDS = kzoo_backend.BACKENDS
SECTIONS = ("throughput", "reference", "scaling", "rollout", "context")
THROUGHPUT_MODELS = ["lstm", "vqlnmlp", "vqlnpemlp", "mhvqlnmlp", "cachevq",
                     "vqmixer", "linear"]


def worker_config(args, out):
    """The worker's settings from the recipe's arguments."""
    config = {
        "dataset": args.dataset,
        "sections": args.sections.split(","),
        "models": THROUGHPUT_MODELS,
        "jit": ["auto", False],
        "throughput_epochs": 5,
        "reference_models": ["lstm", "vqlnmlp", "vqlnpemlp"],
        "reference_epochs": 50,
        # Long context: the LSTM and the reference's best codebook model
        # at T = 1024 (y_w is too short for it).
        "long_models": ["lstm", "vqlnpemlp"],
        "long_dataset": "mackey_glass:4096",
        "long_time_steps": 1024,
        "long_epochs": 2,
        "exponents": [10, 12, 14, 16, 18, 20],
        "scaling_repeats": 3,
        "memory_limit_gb": args.memory_limit_gb,
        "rollout_steps": 2000,
        "context_models": list(context.MODELS),
        "context_lengths": list(shapes.CONTEXT_LENGTHS),
        "context_timeout_s": 900,
        "context_min_seconds": context.MIN_SECONDS,
        "context_tokens": getattr(args, "context_tokens", None),
        "out": os.path.join(os.path.abspath(out), "runs"),
    }
    if args.quick:
        config.update(
            models=["vqlnmlp"], jit=["auto"], throughput_epochs=1,
            reference_models=["vqlnmlp"], reference_epochs=1,
            long_models=["vqlnmlp"], long_time_steps=64, long_epochs=1,
            exponents=[10], scaling_repeats=1, read_chunk=256,
            rollout_steps=20,
            overrides={"time_steps": 32}, scaling_in_process=True,
            context_models=["lstm"], context_lengths=[32, 64],
            context_in_process=True, context_min_seconds=0.0,
        )
    return config


def run_backend(backend, config, log_path):
    """One backend's worker; its stderr (progress, warnings) to `log_path`."""
    env = child.environment(KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    try:
        return child.run("kzoo.benchmarks.speed.worker", config, env,
                         log_path)
    except child.ChildFailed as failure:
        raise RuntimeError(f"{backend} benchmark failed: {failure}") from None


def run_benchmarks(backends, config, out, sections, log=print):
    """Every backend's figures: tables written to `out`, printed by `log`."""
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    results = []
    for backend in backends:
        log(f"== {backend}")
        results.append(run_backend(
            backend, config, os.path.join(out, f"{backend}.log")))
    write_file(os.path.join(out, "results.json"),
               json.dumps(results, indent=2))
    parts = []
    for name, table in report.tables(results).items():
        write_file(os.path.join(out, f"{name}.md"), table + "\n")
        parts.append(f"## {name}\n\n{table}\n")
        log(f"\n## {name}\n\n{table}")
    write_file(os.path.join(out, "bench.md"), "\n".join(parts))
    for section, plot in (("scaling", report.scaling_plot),
                          ("context", report.context_plot)):
        if section in sections:
            image = io.BytesIO()
            plot(image, results)
            path = os.path.join(out, f"{section}.png")
            write_file(path, image.getvalue())
            log(f"\nwrote {path}")
    return results
