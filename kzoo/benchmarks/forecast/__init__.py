"""Forecast quality on the standard series, beside the field's peers.

`design` holds the protocols (Santa Fe laser, Mackey-Glass, the reference
series) and scores one model's run on each; `suite` runs models over seeds
and the peers, and the ablation of training options; `report` writes the
tables and plots.
"""
