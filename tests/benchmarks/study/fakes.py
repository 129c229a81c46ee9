"""A fake child measurement for the study's orchestration tests.

`FakeChild` stands in for `kzoo.benchmarks.child.run` in the suite: it
returns a result shaped as `measure` would (with its key) at once, or
fails as a killed child would, and records every cell it measured.
"""

from kzoo.benchmarks import child
from kzoo.benchmarks.study import design
from kzoo.benchmarks.study import measure
from kzoo.benchmarks.study import report
from kzoo.benchmarks.study import suite
from kzoo.benchmarks.study import window_tasks


def name_of(config):
    if config.get("reference"):
        return "reference"
    return f"{config['family']}_{config['variant']}_{config['vocab']}"


def result(config, value=0.02):
    """A measured result of `config`, as `measure` returns it."""
    key = measure.result_key(config)
    runs = [{"seed": s, "val_mse_next": value, "mse_regressive": 100.0,
             "recall_k": 8, "params": 10, "s_per_epoch": 0.1,
             "epochs": 1} for s in config["seeds"]]
    for task in window_tasks.plan(config) or ():
        for run in runs:
            run[window_tasks.FIELDS[task]] = value / 10
    if config.get("reference"):
        return {"family": "reference", "variant": "lstm", "model": "lstm",
                "key": key, "runs": runs}
    _, _, effective, rows = design.variant_settings(config["variant"],
                                                    config["vocab"])
    return {"family": config["family"], "variant": config["variant"],
            "vocab": config["vocab"], "model": key["model"],
            "effective_vocab": effective, "rows": rows, "key": key,
            "step_ms": 1.0, "runs": runs}


class FakeChild:
    """`child.run` of the suite: `kill` names cells killed by SIGKILL,
    `skip_under` a limit (s) under which every cell is skipped."""

    def __init__(self, monkeypatch):
        self.measured = []
        self.configs = []
        self.kill = set()
        self.skip_under = None
        self.caches = []
        monkeypatch.setattr(suite.child, "run", self.run)
        monkeypatch.setattr(suite.kzoo_backend, "enable_compilation_cache",
                            self.caches.append)
        monkeypatch.setattr(report, "plots", lambda *args: [])

    def run(self, module, config, env=None, log_path=None):
        assert module == "kzoo.benchmarks.study.measure"
        name = name_of(config)
        self.measured.append(name)
        self.configs.append(config)
        if name in self.kill:
            raise child.ChildFailed(child.describe(-9), -9, "")
        limit = config.get("limit_s")
        if (self.skip_under and not config.get("reference") and limit
                and limit < self.skip_under):
            skipped = result(config)
            del skipped["runs"]
            skipped["skipped"] = "one run would take ~1 min (> 0)"
            skipped["key"]["limit_s"] = limit
            return skipped
        return result(config)
