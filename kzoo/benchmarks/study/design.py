"""The vocabulary study: does a bigger codebook buy memory, and how best?

The reference notes claim that a larger vocabulary gives the codebook
model more long-term memory, and propose three remedies for its cost: a
bigger flat table (solution 1), product codebooks (2) and a cache
hierarchy (3); the study adds their combination, hierarchies of product
levels (2+3). This module maps an *effective vocabulary* `V` onto each
of the study's six variants of those four:

- `flat`: one table of `V` rows.
- `product2`, `product4`: 2 or 4 heads of `round(V ** (1/h))` rows each
  (effective vocabulary the rows per head to the power `h`).
- `inc`, `dec`: a three-level cache hierarchy whose largest level has `V`
  rows, the others `V/4` and `V/16` (levels growing, as the notes' L1 32 ->
  L2 128 -> L3 512, or shrinking); the effective vocabulary is the largest
  level's.
- `product_inc` (2+3): the same three levels in the increasing order, each
  a 2-head product codebook of `r/4`, `r/2`, `r` rows per head, `r =
  round(sqrt(V))`.

Each variant runs in three families at otherwise fixed hyperparameters:
the reference's per-token model (the `vqlnpemlp` shape), its time-mixing
counterpart (the `vqmixer` shape), both trained as kzoo's own models are
(`kzoo.models.registry.KZOO_TRAINING`), and the codebook cache over time
(`vqcache`, solution 3 read on T: its codes per head on the axis; flat
and product heads only, for its cache is itself the hierarchy over time).
A *cell* (family, variant, vocabulary) is measured over several seeds on
the reference series (`val_mse_next`, regressive MSE; random split,
reference protocol) and, for the mixers and caches, on the fixed-lag
recall task (`kzoo.benchmarks.recall.tasks.LagTask`) at the family's
lags (`RECALL`): the NMSE at every lag, and the largest lag with NMSE <
0.1; the per-token models see one step only, so recall is not measured
for them. The families that read a window are also measured on the
window tasks (`WINDOW_TASKS`: content-addressed recall and Taylor's
demand, `kzoo.benchmarks.study.window_tasks`). The per-token models'
capacity is measured where one value determines the
next: the logistic map at r = 4 (`kzoo.eval.protocols`, trained on its
first 2000 values the forecast benchmarks' way): one-step NMSE and the
steps a fed-back forecast stays within NRMSE 0.1, where each halving of
the one-step error should buy about one step (the map's Lyapunov
exponent is ln 2). The LSTM is measured on all three.
"""

import math

from kzoo import models
from kzoo.errors import UsageError
from kzoo.layers.checks import MAX_INT32
from kzoo.models.registry import KZOO_TRAINING
from kzoo.training.plan import available_memory

FAMILIES = {
    "per-token": {"flat": "vqlnpemlp", "product": "mhvqlnpemlp",
                  "hierarchy": "cachevq", "product_hierarchy": "mhcachevq"},
    "mixer": {"flat": "vqmixer", "product": "mhvqmixer",
              "hierarchy": "cachevqmixer",
              "product_hierarchy": "mhcachevqmixer"},
    "cache": {"flat": "vqcache", "product": "mhvqcache"},
}
# Fixed hyperparameters of each family (besides the registry defaults of
# its models): every variant has the positional encoding of vqlnpemlp.
# Every table of 2^14 rows or more (flat, a product head or a hierarchy
# level) is read 8192 rows at a time (`read_chunk="auto"`: same values,
# memory bounded by the chunk), so that 2^20 flat rows fit.
FAMILY_SETTINGS = {"per-token": {"d_model": 32, "pe": "randn",
                                 "read_chunk": "auto"},
                   "mixer": {"d_model": 32, "read_chunk": "auto"},
                   "cache": {"d_model": 32}}
VARIANTS = ("flat", "product2", "product4", "inc", "dec", "product_inc")
VARIANT_LABELS = {
    "flat": "1: flat", "product2": "2: product, 2 heads",
    "product4": "2: product, 4 heads", "inc": "3: hierarchy inc",
    "dec": "3: hierarchy dec", "product_inc": "2+3: product hierarchy inc",
}
# The fixed-lag recall of each family that recalls: its lags, epochs and
# the settings of its recall runs. The mixers: the first study's ladder at
# 30 epochs. The caches: K = 256, the first lag of the context issue's
# goal, where the cache's own share shows (`docs/recall.md`: 0.0864 with
# it, 0.0993 without, the convolution alone), at the settings of the
# lag curve there (two epochs, learning rate 5e-3). `--recall-lags` of
# `recipes/study.py` measures more lags (the curve to 4096 costs 20-50 min
# a run at K >= 2048 on a 2-core CPU).
RECALL = {"mixer": {"lags": (8, 32, 128), "epochs": 30, "settings": {}},
          "cache": {"lags": (256,), "epochs": 2, "settings": {"lr": 5e-3}}}
#: The epochs of the LSTM's recall runs (reference settings) at any lag.
REFERENCE_RECALL_EPOCHS = 30
# The window tasks beside fixed-lag recall, measured in the families that
# read a window (those of `RECALL`) and by the LSTM: content-addressed
# recall with exact recurrences (`tasks.ContentTask`) at W = 64, where a
# hard-VQ cache's ceiling moves from ~1 at 16 codes to 0.034 at 1024
# (`docs/ceiling-exact`), and Taylor's demand at a lookback of two weeks
# (`tasks.TaylorTask`, 672 values; seasonal-naive and AR are its peers).
# Each: the task's fields, its epochs, and the settings of the runs of
# the families named (the cache's learning rate of its recall runs).
WINDOW_TASKS = {
    "content": {"task": {"window": 64, "a": 1.0}, "epochs": 2,
                "settings": {"cache": {"lr": 5e-3}}},
    "taylor": {"task": {"lookback": 672}, "epochs": 10, "settings": {}},
}


def vocab_label(vocab):
    """`2^K` for a power of two, else the number."""
    exponent = math.log2(vocab)
    return f"2^{exponent:.0f}" if exponent == int(exponent) else str(vocab)


def _pow2(value):
    return max(2, int(round(value)))


def variant_settings(variant, vocab):
    """`(model kind, hyperparameters, effective vocabulary, rows stored)`.

    `kind` is a key of `FAMILIES[family]`.
    """
    if variant == "flat":
        return "flat", {"vocab_size": vocab}, vocab, vocab
    if variant in ("product2", "product4"):
        heads = 2 if variant == "product2" else 4
        rows = _pow2(vocab ** (1.0 / heads))
        return ("product", {"vocab_size": rows, "n_head": heads},
                rows**heads, heads * rows)
    if variant in ("inc", "dec"):
        sizes = [_pow2(vocab / 16), _pow2(vocab / 4), vocab]
        if variant == "dec":
            sizes = sizes[::-1]
        return ("hierarchy", {"sizes": tuple(sizes), "order": variant},
                vocab, sum(sizes))
    if variant == "product_inc":
        per_head = _pow2(math.sqrt(vocab))
        sizes = [_pow2(per_head / 4), _pow2(per_head / 2), per_head]
        return ("product_hierarchy",
                {"sizes": tuple(sizes), "order": "inc", "n_head": 2},
                per_head**2, 2 * sum(sizes))
    raise UsageError(f"unknown variant {variant!r}; valid: "
                     f"{', '.join(VARIANTS)}")


def has_variant(family, variant):
    """Whether `family` has a model for `variant` (the cache family has
    no hierarchy of tables)."""
    return variant_settings(variant, 64)[0] in FAMILIES[family]


def recall_plan(family, lags=None, epochs=None):
    """`{"lags", "epochs", "settings"}` of a family's recall runs, or
    `None` (the per-token family recalls nothing); `lags` and `epochs`
    replace the family's own (`RECALL`)."""
    if family not in RECALL:
        return None
    plan = RECALL[family]
    return {"lags": list(lags or plan["lags"]),
            "epochs": epochs or plan["epochs"],
            "settings": dict(plan["settings"])}


def task_plan(family, names, overrides=None):
    """`{name: {"task", "epochs", "settings"}}` of the window tasks `names`
    (of `WINDOW_TASKS`) a family is measured on, or `None` (the per-token
    family reads no window; `family=None`: the LSTM's, its reference
    settings). `overrides[name]` replaces fields of a task and its
    `epochs` (a quick check's small tasks)."""
    if not names or (family is not None and family not in RECALL):
        return None
    plan = {}
    for name in names:
        task = WINDOW_TASKS[name]
        extra = dict((overrides or {}).get(name, {}))
        epochs = extra.pop("epochs", task["epochs"])
        plan[name] = {"task": {**task["task"], **extra}, "epochs": epochs,
                      "settings": dict(task["settings"].get(family, {}))}
    return plan


def run_settings(settings, plan_settings):
    """A cell's `settings` for a run of another task: its window length
    and epochs are the task's, `plan_settings` (a plan's) win."""
    return {**{k: v for k, v in settings.items()
               if k not in ("time_steps", "epochs")}, **plan_settings}


def cell_settings(family, variant, vocab):
    """The model name and every hyperparameter of one cell."""
    kind, settings, effective, rows = variant_settings(variant, vocab)
    name = FAMILIES[family][kind]
    defaults = models.spec(name).defaults
    settings = {**FAMILY_SETTINGS[family], **KZOO_TRAINING, **settings}
    if "sizes" in settings and len(set(settings["sizes"])) < 3:
        raise UsageError(f"V={vocab_label(vocab)} is too small for a "
                         "three-level hierarchy")
    return name, {k: v for k, v in settings.items() if k in defaults}, \
        effective, rows


def check_names(what, names, valid):
    """`UsageError` unless `names` is a non-empty list of distinct `valid`."""
    if not names:
        raise UsageError(f"{what} names nothing; valid: {', '.join(valid)}")
    for name in names:
        if name not in valid:
            raise UsageError(f"{what}: unknown {name!r}; valid: "
                             f"{', '.join(valid)}")
        if names.count(name) > 1:
            raise UsageError(f"{what} names {name!r} twice")


def check_cell(family, variant, vocab):
    """`UsageError` unless the cell's model can be built on this machine.

    Its hyperparameters (`models.spec(...).hparams`), every table's rows
    (an int32 index) and the tables' memory (at most half of the memory
    available, as `kzoo.training` checks before a run) are checked without
    building anything.
    """
    name, settings, _, rows = cell_settings(family, variant, vocab)
    hparams = models.spec(name).hparams(**settings)
    tables = list(hparams.get("sizes", ())) + (
        [hparams["vocab_size"]] if "vocab_size" in hparams else [])
    if max(tables) > MAX_INT32:
        raise UsageError(f"V={vocab_label(vocab)}: the {variant} variant "
                         f"would need a table of {max(tables)} rows (at most "
                         f"{MAX_INT32})")
    need = 4 * rows * hparams["d_model"] / hparams.get("n_head", 1)
    free = available_memory()
    if free and need > free / 2:
        raise UsageError(
            f"V={vocab_label(vocab)}: the {variant} tables need "
            f"{need / 2**30:.3g} GiB, more than half of the "
            f"{free / 2**30:.3g} GiB of memory available; choose smaller "
            "vocabularies")


# Float32 tensors of `(batch, T, codes)` a cache's train step holds per
# layer (scores, their softmax and one-hot codes, and their gradients).
CACHE_TENSORS = 6


def cache_memory(family, name, settings):
    """Why a cache cell cannot run here (its `(batch, T, codes)` tensors
    would take over half of the memory available), or `None`. Checked
    when the cell runs (a skip with its reason), not when it is planned:
    the default study reaches vocabularies no cache can hold."""
    if family != "cache":
        return None
    hparams = models.spec(name).hparams(**settings)
    need = (4 * CACHE_TENSORS * hparams["layers"] * hparams["batch_size"]
            * hparams["time_steps"] * hparams["vocab_size"]
            * hparams["n_head"])
    free = available_memory()
    if free and need > free / 2:
        return (f"its (batch, T, codes) tensors need ~{need / 2**30:.3g} "
                f"GiB, over half of the {free / 2**30:.3g} GiB available")
    return None


def plan_cells(families, variants, vocabs):
    """Every `(family, variant, vocab)` cell, in the order they run.

    A variant a family has no model for (`has_variant`) is left out of
    that family. Every name and cell is checked first (`check_names`,
    `check_cell`): `UsageError` names the first bad one before anything
    runs.
    """
    check_names("family", families, tuple(FAMILIES))
    check_names("variant", variants, VARIANTS)
    if not vocabs:
        raise UsageError("no vocabulary given")
    for vocab in vocabs:
        if vocabs.count(vocab) > 1:
            raise UsageError(f"vocabulary {vocab_label(vocab)} is given "
                             "twice")
    for family in families:
        if not any(has_variant(family, v) for v in variants):
            raise UsageError(
                f"the {family} family has none of the variants "
                f"{', '.join(variants)}; its variants: "
                f"{', '.join(v for v in VARIANTS if has_variant(family, v))}")
    cells = [(family, variant, vocab) for family in families
             for variant in variants if has_variant(family, variant)
             for vocab in vocabs]
    for cell in cells:
        check_cell(*cell)
    return cells
