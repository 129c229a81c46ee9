"""The speed worker: its scaling rows skipped above the memory limit."""

from kzoo.benchmarks.speed import worker


def test_a_skipped_size_reads_in_its_unit_and_the_limit_as_given():
    rows = worker._scaling({"memory_limit_gb": 1e-6, "exponents": [10],
                            "scaling_repeats": 1})
    assert rows and all("step_ms" not in r for r in rows)
    notes = [r["skipped"] for r in rows]
    assert all(n.startswith("needs ~") and n.endswith(" > 1e-06 GiB limit")
               for n in notes), notes
    assert "0.0 GiB" not in " ".join(notes)
    assert any(" MiB > " in n for n in notes), notes
    assert worker.size(6 * 2**30) == "6 GiB"
    assert worker.size(300 * 2**20) == "300 MiB"


def test_a_context_length_past_the_limit_skips_the_longer_ones(monkeypatch):
    from kzoo.benchmarks import child
    from kzoo.benchmarks.speed import worker

    calls = []

    def run(module, config, timeout=None):
        calls.append((config["name"], config["length"], timeout))
        assert config["min_seconds"] == 0.5
        if config["length"] == 1024:
            raise child.ChildFailed("stopped after the 5 s limit", None, "")
        return {"step_ms": 1.0, "peak_rss_mb": 1.0}

    monkeypatch.setattr(child, "run", run)
    rows = worker._context({"context_models": ["vqmixer"],
                            "context_lengths": [512, 1024, 2048],
                            "context_timeout_s": 5,
                            "context_min_seconds": 0.5})
    assert calls == [("vqmixer", 512, 5), ("vqmixer", 1024, 5)]
    assert rows[0]["step_ms"] == 1.0
    assert "stopped after the 5 s limit" in rows[1]["skipped"]
    assert rows[2]["skipped"] == "T=1024 failed or passed the time limit"


def test_context_tokens_time_each_model_again_in_passes(monkeypatch):
    from kzoo.benchmarks import child
    from kzoo.benchmarks.speed import worker

    calls = []

    def run(module, config, timeout=None):
        calls.append((config["length"], config.get("tokens")))
        return {"step_ms": 1.0, "peak_rss_mb": 1.0}

    monkeypatch.setattr(child, "run", run)
    rows = worker._context({"context_models": ["vqcache"],
                            "context_lengths": [1024, 8192],
                            "context_timeout_s": 5,
                            "context_min_seconds": 0.0,
                            "context_tokens": 32768})
    assert calls == [(1024, None), (8192, None), (1024, 32768),
                     (8192, 32768)]
    assert [r.get("tokens") for r in rows] == [None, None, 32768, 32768]
