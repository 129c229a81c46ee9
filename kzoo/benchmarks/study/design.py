"""The vocabulary study: does a bigger codebook buy memory, and how best?

The reference notes claim that a larger vocabulary gives the codebook
model more long-term memory and propose three remedies for its cost:
a bigger flat table (solution 1), product codebooks (2), a cache
hierarchy (3) and hierarchies of product levels (2+3). This module maps an
*effective vocabulary* `V` onto each method:

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

Each method runs in two families at otherwise fixed hyperparameters: the
reference's per-token model (the `vqlnpemlp` shape) and its time-mixing
counterpart (the `vqmixer` shape). A *cell* (family, method, vocabulary)
is measured over several seeds on the reference series (`val_mse_next`,
regressive MSE; random split, reference protocol) and, for the mixers, on
the synthetic recall task (the largest lag with NMSE < 0.1); the
per-token models see one step only, so recall is not measured for them.
"""

import math

from kzoo import models
from kzoo.errors import UsageError
from kzoo.models.registry import NEW_TRAINING

FAMILIES = {
    "per-token": {"flat": "vqlnpemlp", "product": "mhvqlnpemlp",
                  "hierarchy": "cachevq", "product_hierarchy": "mhcachevq"},
    "mixer": {"flat": "vqmixer", "product": "mhvqmixer",
              "hierarchy": "cachevqmixer",
              "product_hierarchy": "mhcachevqmixer"},
}
# Fixed hyperparameters of each family (besides the registry defaults of
# its models): every method has the positional encoding of vqlnpemlp.
# Every table of 2^14 rows or more (flat, a product head or a hierarchy
# level) is read 8192 rows at a time (`read_chunk="auto"`: same values,
# memory bounded by the chunk), so that 2^20 flat rows fit.
FAMILY_SETTINGS = {"per-token": {"d_model": 32, "pe": "randn",
                                 "read_chunk": "auto"},
                   "mixer": {"d_model": 32, "read_chunk": "auto"}}
METHODS = ("flat", "product2", "product4", "inc", "dec", "product_inc")
METHOD_LABELS = {
    "flat": "1: flat", "product2": "2: product, 2 heads",
    "product4": "2: product, 4 heads", "inc": "3: hierarchy inc",
    "dec": "3: hierarchy dec", "product_inc": "2+3: product hierarchy inc",
}
# How the study trains: as kzoo's own models and the benchmarks do, on the
# reference protocol's random split.
STUDY_TRAINING = NEW_TRAINING
RECALL_LAGS = (8, 32, 128)
RECALL_EPOCHS = 30


def _pow2(value):
    return max(2, int(round(value)))


def method_settings(method, vocab):
    """`(model kind, hyperparameters, effective vocabulary, rows stored)`.

    `kind` is a key of `FAMILIES[family]`.
    """
    if method == "flat":
        return "flat", {"vocab_size": vocab}, vocab, vocab
    if method in ("product2", "product4"):
        heads = 2 if method == "product2" else 4
        rows = _pow2(vocab ** (1.0 / heads))
        return ("product", {"vocab_size": rows, "n_head": heads},
                rows**heads, heads * rows)
    if method in ("inc", "dec"):
        sizes = [_pow2(vocab / 16), _pow2(vocab / 4), vocab]
        if method == "dec":
            sizes = sizes[::-1]
        return ("hierarchy", {"sizes": tuple(sizes), "order": method},
                vocab, sum(sizes))
    if method == "product_inc":
        per_head = _pow2(math.sqrt(vocab))
        sizes = [_pow2(per_head / 4), _pow2(per_head / 2), per_head]
        return ("product_hierarchy",
                {"sizes": tuple(sizes), "order": "inc", "n_head": 2},
                per_head**2, 2 * sum(sizes))
    raise UsageError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")


def cell_settings(family, method, vocab):
    """The model name and every hyperparameter of one cell."""
    kind, settings, effective, rows = method_settings(method, vocab)
    name = FAMILIES[family][kind]
    defaults = models.spec(name).defaults
    settings = {**FAMILY_SETTINGS[family], **STUDY_TRAINING, **settings}
    if "sizes" in settings and len(set(settings["sizes"])) < 3:
        raise UsageError(f"V={vocab} is too small for a three-level "
                         "hierarchy")
    return name, {k: v for k, v in settings.items() if k in defaults}, \
        effective, rows


def plan_cells(families, methods, vocabs):
    """Every `(family, method, vocab)` cell, in the order they run."""
    return [(family, method, vocab) for family in families
            for method in methods for vocab in vocabs]
