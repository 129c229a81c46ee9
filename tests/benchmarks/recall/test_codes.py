"""`--task codes`'s grid and its ceilings (its runs: test_recipe.py)."""

import pytest

from kzoo.benchmarks.recall import codes
from kzoo.benchmarks.recall import measure
from kzoo.benchmarks.recall import tasks
from kzoo.errors import UsageError
from kzoo.layers.codebook_recall import sortable


def test_cells_keep_what_vqrecall_holds_and_say_why_not():
    kept, skipped = codes.cells([16, 256, 100, 2 ** 24], [1, 2, 3], 512)
    assert kept == [(1, 256, 2), (2, 16, 2), (2, 256, 4)]
    assert skipped[3, 16] == "H=3 does not divide the key's 8 values"
    assert skipped[1, 16] == "S=16 is not L^8 for an integer L >= 2"
    assert skipped[2, 2 ** 24] == f"S x W = {2 ** 24 * 512} >= 2^31"
    assert sortable(2 ** 22, 511) and not sortable(2 ** 22, 512)
    assert codes.levels(256, 2, 8) == 4 and codes.levels(100, 1, 8) is None
    with pytest.raises(ValueError, match="heads=3 does not divide key=8"):
        codes.levels(16, 3, 8)


def test_a_key_set_by_the_user_sets_the_cells_and_the_ceiling():
    assert codes.recall_codes() == (4, 16384, 8)
    assert codes.recall_codes({"levels": 4, "n_head": 2, "lr": 1.0}) == (
        2, 256, 8)
    assert codes.recall_codes({"key": 4})[2] == 4
    kept, _ = codes.cells([16], [2], 512, {"key": 4, "lr": 0.1})
    assert kept == [(2, 16, 4)]  # 4 bins ** (4 / 2) values per head
    with pytest.raises(UsageError, match="no \\(--heads, --codes\\) pair"):
        codes.cells([16], [3], 512)
    task = tasks.ContentTask(window=32, a=1, min_val=256)
    four, reason = measure.content_ceilings(task, 16, 2, 2, key=4)
    eight, _ = measure.content_ceilings(task, 16, 2, 1, key=8)
    assert reason is None and len(four) == 2
    assert four[0]["nmse"] != eight[0]["nmse"]
    none, reason = measure.content_ceilings(task, 2 ** 20, 1, 1)
    assert none is None and "VQCacheCeiling" in reason
