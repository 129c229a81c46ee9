"""Tables and the scaling plot of the speed benchmarks (`recipes/bench.py`)."""

from kzoo.benchmarks import shapes
from kzoo.eval.tables import markdown_table as _table


def _f(value, digits=3):
    return "-" if value is None else f"{value:.{digits}g}"


def _kind(row):
    """`flat`, `flat, chunks of C` or `H heads`."""
    if row["n_head"] > 1:
        return f"{row['n_head']} heads"
    chunk = row.get("read_chunk")
    return "flat" if chunk is None else f"flat, chunks of {chunk}"


def tables(results):
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
    """The step time and peak RSS against the effective vocabulary.

    `path`: a file name or a binary file object (PNG).
    """
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
                 f"({shapes.label(shapes.SCALING)})")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
