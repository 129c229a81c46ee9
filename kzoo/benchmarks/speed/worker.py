"""One backend's benchmarks, run in a subprocess by `recipes/bench.py`.

    KERAS_BACKEND=jax python -m kzoo.benchmarks.speed.worker CONFIG_JSON

Prints one result line (`kzoo.benchmarks.child`) with every section's rows.
"""

import json
import sys

import keras

from kzoo.benchmarks import child
from kzoo.benchmarks.shapes import SCALING


def size(n_bytes):
    """A size in GiB, MiB or KiB, whichever reads best.

    >>> size(3 * 2**30), size(2_162_688), size(1000)
    ('3 GiB', '2.06 MiB', '0.977 KiB')
    """
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes / 2**10:.3g} KiB"


def _scaling(config):
    """Each configuration in a fresh process, for a clean peak RSS."""
    from kzoo.benchmarks.speed import scaling

    rows = []
    limit = config["memory_limit_gb"] * 2**30
    plan = scaling.plan(config["exponents"],
                        read_chunk=config.get("read_chunk",
                                              scaling.READ_CHUNK))
    for n_head, vocab, effective, chunk in plan:
        needed = scaling.estimated_bytes(
            n_head, vocab, SCALING["batch"], SCALING["length"],
            SCALING["dim"], chunk)
        row = {"n_head": n_head, "vocab_per_head": vocab,
               "effective_vocab": effective, "codebook_rows": n_head * vocab,
               "read_chunk": chunk}
        if needed > limit:
            row["skipped"] = (f"needs ~{size(needed)} > "
                              f"{config['memory_limit_gb']:g} GiB limit")
            rows.append(row)
            continue
        kwargs = {"n_head": n_head, "vocab": vocab,
                  "repeats": config["scaling_repeats"], "read_chunk": chunk}
        if config.get("scaling_in_process"):
            row.update(scaling.step(**kwargs))
            rows.append(row)
            continue
        try:
            row.update(child.run("kzoo.benchmarks.speed.scaling", kwargs))
        except child.ChildFailed as failure:
            row["skipped"] = f"failed: {failure}"[:160]
        print(f"scaling {json.dumps(row)}", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def _context(config):
    """Each model at each length in a fresh process, shortest first.

    A length past `context_timeout_s` (or that fails) skips the model's
    longer lengths: they would take longer still. With `context_tokens`,
    each model is timed a second time with its batch taken in passes of
    at most that many tokens (`context.step`'s `tokens`).
    """
    from kzoo.benchmarks.speed import context

    rows = []
    tokens = config.get("context_tokens")
    for name, split in ((n, t) for n in config["context_models"]
                        for t in dict.fromkeys([None, tokens])):
        stopped = None
        for length in config["context_lengths"]:
            row = {"model": name, "time_steps": length}
            if split is not None:
                row["tokens"] = split
            if stopped:
                rows.append({**row, "skipped": stopped})
                continue
            kwargs = {"name": name, "length": length,
                      "min_seconds": config["context_min_seconds"]}
            if split is not None:
                kwargs["tokens"] = split
            try:
                if config.get("context_in_process"):
                    row.update(context.step(**kwargs))
                else:
                    row.update(child.run(
                        "kzoo.benchmarks.speed.context", kwargs,
                        timeout=config["context_timeout_s"]))
            except child.ChildFailed as failure:
                row["skipped"] = f"failed: {failure}"[:160]
                stopped = f"T={length} failed or passed the time limit"
            print(f"context {json.dumps(row)}", file=sys.stderr, flush=True)
            rows.append(row)
    return rows


def _reference(config, series):
    """The reference runs and the long ones, each beside the plain loop.

    Each kzoo run follows the same configuration in plain PyTorch in this
    process, so that each ratio compares two runs timed side by side
    (where torch is installed; `ratio` is `None` elsewhere).
    """
    import importlib.util

    from kzoo import data
    from kzoo.benchmarks.speed import measure

    plain = importlib.util.find_spec("torch") is not None
    jobs = [(name, series, config["reference_epochs"], {})
            for name in config["reference_models"]]
    if config.get("long_models"):
        long_series = data.load(config["long_dataset"])
        jobs += [(name, long_series, config["long_epochs"],
                  {"time_steps": config["long_time_steps"]})
                 for name in config["long_models"]]
    rows = []
    for name, values, epochs, overrides in jobs:
        mine = {}
        if plain:
            mine = measure.plain_pytorch(name, values, epochs, **overrides)
        row = measure.reference_run(name, values, config["out"],
                                    epochs=epochs, **overrides)
        row.update(dataset=values.spec, plain_wall_s=mine.get("wall_s"),
                   plain_val_loss=mine.get("val_loss"),
                   ratio=(row["wall_s"] / mine["wall_s"]) if mine else None)
        print(f"reference {json.dumps(row)}", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def main(config):
    from kzoo import data
    from kzoo.benchmarks.speed import measure

    series = data.load(config["dataset"])
    result = {"backend": keras.backend.backend()}
    sections = config["sections"]
    if "throughput" in sections:
        rows = []
        for name in config["models"]:
            for jit in config["jit"]:
                row = measure.throughput(name, series, jit_compile=jit,
                                       epochs=config["throughput_epochs"],
                                       **config.get("overrides", {}))
                if row:
                    rows.append(row)
        result["throughput"] = rows
    if "reference" in sections:
        result["reference"] = _reference(config, series)
    if "scaling" in sections:
        result["scaling"] = _scaling(config)
    if "rollout" in sections:
        result["rollout"] = [
            measure.rollout_speed(name, config["rollout_steps"], ts)
            for name, ts in (("lstm", 112), ("vqlnmlp", 96), ("vqmixer", 112))
        ]
    if "context" in sections:
        result["context"] = _context(config)
    return result


if __name__ == "__main__":
    child.emit(main(json.loads(sys.argv[1])))
