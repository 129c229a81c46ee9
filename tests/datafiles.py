"""Small series and CSV files the data and recipe tests read."""

import numpy as np


def write_csv(path, values, header=("time(h)", "formaldehyde(ug/m³)")):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for i, v in enumerate(values):
            f.write(f"{i / 30.0},{v}\n")
    return str(path)


def smooth_series(n=300, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 50 * np.sin(t / 15.0) + rng.normal(0, 2, n)

