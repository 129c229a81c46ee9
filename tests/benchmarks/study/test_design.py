"""The vocabulary study: the variant mapping, a cell, the report, the recipe."""


import pytest

from kzoo.benchmarks.study import design
from kzoo.models.registry import KZOO_TRAINING


@pytest.mark.parametrize(
    "variant, vocab, kind, settings, effective, rows",
    [
        ("flat", 2**10, "flat", {"vocab_size": 1024}, 1024, 1024),
        ("flat", 2**20, "flat", {"vocab_size": 2**20}, 2**20, 2**20),
        ("product2", 2**20, "product", {"vocab_size": 1024, "n_head": 2},
         2**20, 2048),
        ("product4", 2**20, "product", {"vocab_size": 32, "n_head": 4},
         2**20, 128),
        ("product4", 2**5, "product", {"vocab_size": 2, "n_head": 4}, 16, 8),
        ("inc", 2**10, "hierarchy", {"sizes": (64, 256, 1024),
                                     "order": "inc"}, 1024, 1344),
        ("dec", 2**10, "hierarchy", {"sizes": (1024, 256, 64),
                                     "order": "dec"}, 1024, 1344),
        ("product_inc", 2**20, "product_hierarchy",
         {"sizes": (256, 512, 1024), "order": "inc", "n_head": 2}, 2**20,
         3584),
    ],
)
def test_variant_settings(variant, vocab, kind, settings, effective, rows):
    assert design.variant_settings(variant, vocab) == (kind, settings,
                                                    effective, rows)



def test_cell_settings_fix_the_family_and_check_the_cell():
    name, settings, _, _ = design.cell_settings("per-token", "product2", 64)
    assert name == "mhvqlnpemlp"
    assert settings["pe"] == "randn" and settings["d_model"] == 32
    assert settings["patience"] == KZOO_TRAINING["patience"]
    # Large tables are read in chunks, in every variant and family.
    assert settings["read_chunk"] == "auto"
    name, settings, _, _ = design.cell_settings("mixer", "inc", 64)
    assert name == "cachevqmixer" and "pe" not in settings
    with pytest.raises(ValueError, match="too small for a three-level"):
        design.cell_settings("mixer", "inc", 4)
    with pytest.raises(ValueError, match="unknown variant"):
        design.variant_settings("octree", 64)


def test_the_plan_is_checked_before_anything_runs(monkeypatch):
    assert design.plan_cells(["mixer"], ["flat"], [32, 64]) == [
        ("mixer", "flat", 32), ("mixer", "flat", 64)]
    for families, variants, vocabs, message in (
            ([], ["flat"], [32], "family names nothing"),
            (["mixer"], ["flat", "flat"], [32], "names 'flat' twice"),
            (["mixer"], ["flat"], [32, 32], r"2\^5 is given twice"),
            (["mixer"], ["flat"], [], "no vocabulary"),
            (["mixer"], ["product2"], [2**64], "table of 4294967296 rows")):
        with pytest.raises(ValueError, match=message):
            design.plan_cells(families, variants, vocabs)
    # Tables past half the memory available are refused, as a run would be.
    monkeypatch.setattr(design, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError,
                       match=r"V=2\^24: the flat tables need 2 GiB"):
        design.plan_cells(["mixer"], ["flat"], [2**24])
    design.plan_cells(["mixer"], ["product2"], [2**24])  # 2 x 4096 rows


def test_the_cache_family_is_vqcache_with_its_codes_on_the_axis():
    name, settings, effective, rows = design.cell_settings("cache", "flat",
                                                           256)
    assert name == "vqcache" and settings["vocab_size"] == 256
    assert (effective, rows) == (256, 256)
    name, settings, effective, rows = design.cell_settings("cache",
                                                           "product4", 2**8)
    assert name == "mhvqcache" and settings["n_head"] == 4
    assert settings["vocab_size"] == 4 and effective == 256
    # The cache is itself the hierarchy over time: no table hierarchy.
    assert design.has_variant("cache", "product2")
    assert not design.has_variant("cache", "inc")
    assert design.has_variant("mixer", "inc")
    assert design.plan_cells(["cache", "mixer"], ["flat", "dec"], [32]) == [
        ("cache", "flat", 32), ("mixer", "flat", 32), ("mixer", "dec", 32)]
    with pytest.raises(ValueError, match="the cache family has none of the "
                       "variants inc, dec; its variants: flat, product2, "
                       "product4"):
        design.plan_cells(["cache"], ["inc", "dec"], [32])


def test_each_recalling_family_has_its_recall_plan():
    assert design.recall_plan("per-token") is None
    mixer = design.recall_plan("mixer")
    assert mixer == {"lags": [8, 32, 128], "epochs": 30, "settings": {}}
    cache = design.recall_plan("cache")
    assert cache["lags"] == [256] and cache["settings"] == {"lr": 5e-3}
    # A study's lags and epochs replace the family's own.
    assert design.recall_plan("cache", [64, 1024], 1) == {
        "lags": [64, 1024], "epochs": 1, "settings": {"lr": 5e-3}}
