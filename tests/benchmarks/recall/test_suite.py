"""The recall suite's peers (its runs: test_recipe.py)."""

from kzoo.benchmarks.recall import suite
from kzoo.benchmarks.recall import tasks


def _suite(models, settings, task, logs):
    return suite.Suite("content", task, models, [task.window], 1, 1, "out",
                       settings=settings, log=logs.append)


def test_vqrecall_gets_the_ceiling_at_its_heads_and_codes():
    task = tasks.ContentTask(window=32, a=1, min_val=256)
    logs = []
    rows = _suite(["vqrecall"], {"levels": 4}, task, logs).peers()
    names = [row["model"] for row in rows]
    assert "hard-VQ cache ceiling, 4 x 16" in names
    ceiling = rows[names.index("hard-VQ cache ceiling, 4 x 16")]
    assert 0 < ceiling["nmse"] < 1.5 and ceiling["bands"]
    # Without vqrecall no such row; with more codes than the task's
    # training keys, none either, and the log says why.
    plain = _suite(["linear"], {}, task, logs).peers()
    assert not any(" x " in row["model"] for row in plain)
    logs.clear()
    big = _suite(["vqrecall"], {}, task, logs).peers()
    assert not any(" x " in row["model"] for row in big)
    assert any("no 'hard-VQ cache ceiling, 4 x 16384' row: VQCacheCeiling: "
               "num_codes=16384 exceeds" in line for line in logs)
