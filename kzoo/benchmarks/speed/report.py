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
    rows = [(r["backend"], t["model"], t.get("time_steps", "-"), t["epochs"],
             _f(t["wall_s"]), _f(t.get("plain_wall_s")),
             "-" if t.get("ratio") is None else f"{t['ratio']:.2f}x",
             _f(t["reference_wall_s"]), _f(t["val_loss"]),
             _f(t.get("plain_val_loss")), _f(t["reference_val_loss"]),
             _f(t["val_mse_next"]))
            for r in results for t in r.get("reference", [])]
    if rows:
        out["reference"] = _table(
            ["backend", "model", "T", "epochs", "kzoo wall s",
             "plain PyTorch s", "kzoo / plain", "reference wall s",
             "kzoo val_loss", "plain val_loss", "reference val_loss",
             "val_mse_next"], rows)
        out["profile"] = profile_table(results)
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
    from kzoo.benchmarks.speed import context

    rows = [(r["backend"], context.label(t), t["time_steps"],
             t.get("params", "-"),
             _f(t.get("step_ms")), _spread(t), t.get("repeats", "-"),
             _f(t.get("peak_rss_mb"), 4),
             _f(t.get("device_mb")), t.get("skipped") or _unusual(
                 t.get("allocator")))
            for r in results for t in r.get("context", [])]
    if rows:
        growth = [(r["backend"], name, _f(step, 3), _f(memory, 3))
                  for r in results
                  for name, (step, memory) in context.ratios(
                      r.get("context", [])).items()]
        out["context"] = _table(
            ["backend", "model", "T", "params", "step ms (median)",
             "min to max", "steps timed", "peak RSS MiB", "device MiB",
             "note"], rows) + (
            "\n\nGrowth from T = 1024 to 8192 (8 is linear):\n\n"
            + _table(["backend", "model", "step time x", "peak RSS x"],
                     growth) if growth else "")
    return out


def _spread(row):
    """`min to max` of a row's timed steps (ms), or `-` (rows written
    before steps were timed one by one)."""
    if row.get("step_ms_min") is None:
        return "-"
    low, high = row["step_ms_min"], row["step_ms_max"]
    digits = ".0f" if low >= 10 else ".3g"
    return f"{low:{digits}} to {high:{digits}}"


def _unusual(allocator):
    """The allocator of a row, unless it is the default."""
    return "" if allocator in (None, "glibc malloc") else allocator


def _callbacks(times, least=0.005):
    """`name s, ...` for the callbacks that took at least `least` s."""
    kept = sorted(((s, n) for n, s in times.items() if s >= least),
                  reverse=True)
    return ", ".join(f"{n} {s:.2g}" for s, n in kept) or "-"


def profile_table(results):
    """Where each reference run's time went (`speed.profile`), in seconds."""
    rows = []
    for r in results:
        for t in r.get("reference", []):
            p = t.get("profile") or {}
            rows.append((
                r["backend"], t["model"], t.get("time_steps", "-"),
                _f(t["wall_s"]), _f(p.get("setup_s")), _f(p.get("compile_s")),
                _f(p.get("steps_s")), _f(p.get("validation_s")),
                _f(sum((p.get("callbacks") or {}).values())),
                _callbacks(p.get("callbacks") or {}), _f(p.get("after_fit_s")),
                _f(t.get("plain_wall_s"))))
    return _table(
        ["backend", "model", "T", "wall", "fit set-up", "first-epoch excess "
         "(compile)", "steps", "validation", "callbacks", "of which",
         "after fit", "plain PyTorch"], rows)


def _cost_plot(path, results, section, kind, x_key, xlabel, title):
    """Step time and peak RSS against `x_key`, a line per backend and
    `kind(row)`; `path`: a file name or a binary file object (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), dpi=110)
    done = [(r["backend"], t) for r in results for t in r.get(section, [])
            if "step_ms" in t]
    # One colour per kind, one line style per backend.
    kinds = sorted({kind(t) for _, t in done},
                   key=lambda k: (k[0].isdigit(), k))
    backends = [r["backend"] for r in results]
    for backend, style in zip(backends, ("o-", "s--", "^:") * 3):
        for color, name in enumerate(kinds):
            rows = [t for b, t in done if b == backend and kind(t) == name]
            if not rows:
                continue
            x = [t[x_key] for t in rows]
            for ax, key in zip(axes, ("step_ms", "peak_rss_mb")):
                ax.plot(x, [t[key] for t in rows], style, color=f"C{color}",
                        label=f"{backend}, {name}")
    for ax, ylabel in zip(axes, ("train step (ms)", "peak RSS (MiB)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def scaling_plot(path, results):
    """The step time and peak RSS against the effective vocabulary."""
    _cost_plot(path, results, "scaling", _kind, "effective_vocab",
               "effective vocabulary",
               "flat (dense, chunked) vs product codebooks "
               f"({shapes.label(shapes.SCALING)})")


def context_plot(path, results):
    """The step time and peak RSS against the context length T."""
    from kzoo.benchmarks.speed import context

    _cost_plot(path, results, "context", context.label, "time_steps",
               "context length T",
               "train step against context length (width "
               f"{shapes.CONTEXT['dim']}, batch {shapes.CONTEXT['batch']})")
