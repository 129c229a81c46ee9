"""Recall: how much context does a model use?

`measure` generates the synthetic recall tasks and scores a model's
one-step error on them at every lag.
"""
