"""kzoo benchmarks: training speed, codebook scaling, rollout speed.

Each function runs on the active backend; `recipes/bench.py` runs them in
one subprocess per backend and tabulates the results. Nothing here asserts
a speed: the figures are reported.
"""
