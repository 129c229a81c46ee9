"""Benchmarks: training speed per backend, codebook scaling, rollout speed.

    python recipes/bench.py --out bench/            # full run, every backend
    python recipes/bench.py --quick --out /tmp/b     # under a minute

Each backend runs in its own subprocess (KERAS_BACKEND set for it; its
progress and warnings in --out/<backend>.log). Writes one markdown table per
figure (throughput.md, reference.md, scaling.md, rollout.md, and all of them
in bench.md) and scaling.png to --out.
"""

import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kzoo.recipes_cli import common_parser  # noqa: E402
from kzoo.recipes_cli import run  # noqa: E402

BACKENDS = ("jax", "torch", "tensorflow")
SECTIONS = ("throughput", "reference", "scaling", "rollout")
THROUGHPUT_MODELS = ["lstm", "vqlnmlp", "vqlnpemlp", "mhvqlnmlp", "cachevq",
                     "vqmixer", "linear"]


def parser():
    from kzoo.recipes_cli import parser as make_parser

    p = make_parser(
        __file__,
        (
            "Measure kzoo: (1) training throughput of each model on each "
            "backend, with and without jit_compile; (2) the reference "
            "configurations end to end (50 epochs) beside the reference "
            "PyTorch figures and the reference loop in plain PyTorch timed "
            "on this machine (with the torch backend); (3) flat codebooks, "
            "read at once and in chunks of 8192 rows, against product "
            "codebooks for effective vocabularies 2^10 to 2^20 "
            "(d 64, batch 64, T 96); "
            "(4) regressive rollout speed. Nothing is asserted: figures are "
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
    p.add_argument("--quick", action="store_true",
                   help="tiny settings on the active backend only (unless "
                   "--backends), under a minute, to check the output")
    return p


def worker_config(args, out):
    config = {
        "dataset": args.dataset,
        "sections": args.sections.split(","),
        "models": THROUGHPUT_MODELS,
        "jit": ["auto", False],
        "throughput_epochs": 5,
        "reference_models": ["lstm", "vqlnmlp", "vqlnpemlp"],
        "reference_epochs": 50,
        "exponents": [10, 12, 14, 16, 18, 20],
        "scaling_repeats": 3,
        "memory_limit_gb": args.memory_limit_gb,
        "rollout_steps": 2000,
        "out": os.path.join(out, "runs"),
    }
    if args.quick:
        config.update(
            models=["vqlnmlp"], jit=["auto"], throughput_epochs=1,
            reference_models=["vqlnmlp"], reference_epochs=1,
            exponents=[10], scaling_repeats=1, read_chunk=256,
            rollout_steps=20,
            overrides={"time_steps": 32}, scaling_in_process=True,
        )
    return config


def run_backend(backend, config, log_path):
    """One backend's worker; its stderr (progress, warnings) to `log_path`."""
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    with open(log_path, "w") as log:
        done = subprocess.run(
            [sys.executable, "-m", "kzoo.benchmarks.worker",
             json.dumps(config)],
            env=env, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
        )
    lines = [line for line in done.stdout.splitlines()
             if line.startswith("RESULT ")]
    if done.returncode or not lines:
        with open(log_path) as log:
            tail = (log.read().strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{backend} benchmark failed: {tail}")
    return json.loads(lines[-1][len("RESULT "):])


def _f(value, digits=3):
    return "-" if value is None else f"{value:.{digits}g}"


def _kind(row):
    """`flat`, `flat, chunks of C` or `H heads`."""
    if row["n_head"] > 1:
        return f"{row['n_head']} heads"
    chunk = row.get("read_chunk")
    return "flat" if chunk is None else f"flat, chunks of {chunk}"


def tables(results):
    from kzoo.eval.tables import markdown_table as _table

    out = {}
    rows = [(r["backend"], t["model"], t["jit_compile"], t["windows"],
             _f(t["windows_per_s"], 4), _f(t["s_per_epoch"]),
             _f(t["first_epoch_s"]))
            for r in results for t in r.get("throughput", [])]
    if rows:
        out["throughput"] = _table(
            ["backend", "model", "jit_compile", "windows", "windows/s",
             "s/epoch", "first epoch s"], rows)
    plain = {t["model"]: t for r in results for t in r.get("plain_pytorch", [])}
    rows = [(r["backend"], t["model"], t["epochs"], _f(t["wall_s"]),
             _f(t["reference_wall_s"]),
             _f(plain.get(t["model"], {}).get("wall_s")),
             _f(t["val_loss"]), _f(t["reference_val_loss"]),
             _f(plain.get(t["model"], {}).get("val_loss")),
             _f(t["val_mse_next"]))
            for r in results for t in r.get("reference", [])]
    if rows:
        out["reference"] = _table(
            ["backend", "model", "epochs", "kzoo wall s", "reference wall s",
             "plain PyTorch here s", "kzoo val_loss", "reference val_loss",
             "plain PyTorch val_loss", "val_mse_next"], rows)
    rows = [(r["backend"], _kind(t), t["vocab_per_head"],
             f"2^{t['effective_vocab'].bit_length() - 1}"
             if t["effective_vocab"] & (t["effective_vocab"] - 1) == 0
             else t["effective_vocab"],
             t["codebook_rows"], t.get("params", "-"),
             _f(t.get("step_ms")), _f(t.get("forward_ms")),
             t.get("repeats", "-"), _f(t.get("peak_rss_mb"), 4),
             _f(t.get("device_mb")), t.get("skipped", ""))
            for r in results for t in r.get("scaling", [])]
    if rows:
        out["scaling"] = _table(
            ["backend", "codebook", "rows/head", "effective vocab", "rows",
             "params", "step ms", "forward ms", "steps timed", "peak RSS MiB",
             "device MiB", "note"], rows)
    rows = [(r["backend"], t["model"], t["time_steps"], t["steps"],
             _f(t["seconds"]), _f(t["steps_per_s"], 4))
            for r in results for t in r.get("rollout", [])]
    if rows:
        out["rollout"] = _table(
            ["backend", "model", "time_steps", "steps", "seconds", "steps/s"],
            rows)
    return out


def scaling_plot(path, results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), dpi=110)
    done = [(r["backend"], t) for r in results for t in r.get("scaling", [])
            if "step_ms" in t]
    # One colour per kind of codebook, one line style per backend.
    kinds = sorted({_kind(t) for _, t in done},
                   key=lambda k: (k[0].isdigit(), k))
    backends = [r["backend"] for r in results]
    for backend, style in zip(backends, ("o-", "s--", "^:") * 3):
        for color, kind in enumerate(kinds):
            rows = [t for b, t in done if b == backend and _kind(t) == kind]
            if not rows:
                continue
            x = [t["effective_vocab"] for t in rows]
            for ax, key in zip(axes, ("step_ms", "peak_rss_mb")):
                ax.plot(x, [t[key] for t in rows], style, color=f"C{color}",
                        label=f"{backend}, {kind}")
    for ax, ylabel in zip(axes, ("train step (ms)", "peak RSS (MiB)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("effective vocabulary")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("flat (dense, chunked) vs product codebooks "
                 "(d 64, batch 64, T 96)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    args = parser().parse_args(argv)
    if not args.memory_limit_gb > 0:
        raise ValueError(
            f"--memory-limit-gb must be > 0, got {args.memory_limit_gb}")
    sections = args.sections.split(",")
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; valid: "
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
            raise ValueError(f"backend {b!r} is not installed; installed: "
                             f"{', '.join(installed)}")
    from kzoo import data

    print(data.load(args.dataset).describe(), flush=True)
    os.makedirs(args.out, exist_ok=True)
    config = worker_config(args, args.out)
    results = []
    for backend in backends:
        print(f"== {backend}", flush=True)
        results.append(run_backend(
            backend, config, os.path.join(args.out, f"{backend}.log")))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    parts = []
    for name, table in tables(results).items():
        with open(os.path.join(args.out, f"{name}.md"), "w") as f:
            f.write(table + "\n")
        parts.append(f"## {name}\n\n{table}\n")
        print(f"\n## {name}\n\n{table}")
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write("\n".join(parts))
    if "scaling" in sections:
        scaling_plot(os.path.join(args.out, "scaling.png"), results)
        print(f"\nwrote {os.path.join(args.out, 'scaling.png')}")
    return 0


def cli(argv=None):
    return run(main, argv, (ValueError, OSError, RuntimeError))


if __name__ == "__main__":
    sys.exit(cli())
