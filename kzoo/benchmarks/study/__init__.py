"""The vocabulary study: does a bigger codebook buy memory, and how best?

`design` maps an effective vocabulary onto each variant (flat table,
product codebooks, cache hierarchies) and family; `measure` measures one
cell; `reuse` decides whether a saved result may be reused; `suite` runs
and resumes the cells; `report` writes the tables and plots.
"""
