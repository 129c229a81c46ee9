"""kzoo's benchmarks, one subpackage per experiment.

- `speed`: training throughput, the reference configurations end to end
  beside plain PyTorch, flat against product codebooks as the vocabulary
  grows, and rollout speed, one child process per backend
  (`recipes/bench.py`).
- `forecast`: forecast quality on the standard series (Santa Fe laser,
  Mackey-Glass, the reference series) beside the peers of `kzoo.peers`
  (`recipes/forecast.py`).
- `recall`: how much context a model uses, on synthetic recall tasks
  (`recipes/recall.py`).
- `study`: the vocabulary study, the notes' question: does a bigger
  codebook buy memory, and which method buys it best
  (`recipes/study.py`).

Each experiment's modules are named by role: `design` (what is measured:
protocols, cells, settings), `measure` (one measurement), `suite` (running
many, resuming, writing the outputs) and `report` (tables and plots).
`child` runs one measurement in a child process and reads its result;
`shapes` holds the fixed shapes the tables quote. Nothing here asserts a
speed or a score: the figures are reported.
"""
