"""One backend's benchmarks, run in a subprocess by `recipes/bench.py`.

    KERAS_BACKEND=jax python -m kzoo.benchmarks.worker CONFIG_JSON

Prints one line `RESULT <json>` with every section's rows.
"""

import json
import os
import subprocess
import sys

import keras


def _scaling(config):
    """Each configuration in a fresh process, for a clean peak RSS."""
    from kzoo.benchmarks import scaling

    rows = []
    limit = config["memory_limit_gb"] * 2**30
    plan = scaling.plan(config["exponents"],
                        read_chunk=config.get("read_chunk",
                                              scaling.READ_CHUNK))
    for n_head, vocab, effective, chunk in plan:
        needed = scaling.estimated_bytes(n_head, vocab, 64, 96, 64, chunk)
        row = {"n_head": n_head, "vocab_per_head": vocab,
               "effective_vocab": effective, "codebook_rows": n_head * vocab,
               "read_chunk": chunk}
        if needed > limit:
            row["skipped"] = (f"needs ~{needed / 2**30:.1f} GiB > "
                              f"{config['memory_limit_gb']} GiB limit")
            rows.append(row)
            continue
        kwargs = {"repeats": config["scaling_repeats"], "read_chunk": chunk}
        if config.get("scaling_in_process"):
            row.update(scaling.step(n_head, vocab, **kwargs))
            rows.append(row)
            continue
        code = ("import json, sys; from kzoo.benchmarks import scaling; "
                f"print('ROW ' + json.dumps(scaling.step({n_head}, {vocab}, "
                f"**{kwargs!r})))")
        done = subprocess.run([sys.executable, "-c", code],
                              capture_output=True, text=True, env=os.environ)
        lines = [line for line in done.stdout.splitlines()
                 if line.startswith("ROW ")]
        if done.returncode or not lines:
            row["skipped"] = "failed: " + (done.stderr.strip().splitlines()
                                           or ["?"])[-1][:120]
        else:
            row.update(json.loads(lines[-1][4:]))
        print(f"scaling {json.dumps(row)}", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def main(config):
    from kzoo import data
    from kzoo.benchmarks import speed

    series = data.load(config["dataset"])
    result = {"backend": keras.backend.backend()}
    sections = config["sections"]
    if "throughput" in sections:
        rows = []
        for name in config["models"]:
            for jit in config["jit"]:
                row = speed.throughput(name, series, jit_compile=jit,
                                       epochs=config["throughput_epochs"],
                                       **config.get("overrides", {}))
                if row:
                    rows.append(row)
        result["throughput"] = rows
    if "reference" in sections:
        result["reference"] = [
            speed.reference_run(name, series, config["out"],
                                epochs=config["reference_epochs"])
            for name in config["reference_models"]
        ]
        if keras.backend.backend() == "torch":
            result["plain_pytorch"] = [
                speed.plain_pytorch(name, series, config["reference_epochs"])
                for name in config["reference_models"]
            ]
    if "scaling" in sections:
        result["scaling"] = _scaling(config)
    if "rollout" in sections:
        result["rollout"] = [
            speed.rollout_speed(name, config["rollout_steps"], ts)
            for name, ts in (("lstm", 112), ("vqlnmlp", 96), ("vqmixer", 112))
        ]
    return result


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    print("RESULT " + json.dumps(main(json.loads(sys.argv[1]))), flush=True)
