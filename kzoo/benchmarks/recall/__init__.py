"""Recall: how much context does a model use, on tasks that can show it?

`tasks` defines the tasks (fixed-lag recall, content-addressed recall,
the Taylor electricity series), `peers` the least-squares AR on the
window and the seasonal-naive forecast, `measure` one run and its score,
`suite` a task over many models and seeds (the LSTM's settings chosen on
validation), `report` the tables and plots (`recipes/recall.py`).
"""
