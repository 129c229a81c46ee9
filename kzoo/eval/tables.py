"""Markdown tables: the generic helper and the reference's result table."""

import os


def markdown_table(header, rows):
    """A markdown table: a header row, a rule, one line per row of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |"
              for row in rows]
    return "\n".join(lines)


RESULT_COLUMNS = ("File", "Loss", "val_mse_next", "params", "backend",
                  "wall_s", "status")


def _number(value, spec):
    return "nan" if value is None else format(value, spec)


def result_cells(metrics, out_root):
    """One run's cells in the reference's table (its `File | Loss`)."""
    status = metrics.get("status", "complete")
    if status == "diverged":
        status = f"diverged at epoch {metrics.get('epochs')}"
    return (
        os.path.relpath(metrics["run_dir"], out_root),
        _number(metrics["val_loss"], ".6g"),
        _number(metrics["val_mse_next"], ".6g"),
        metrics["params"],
        metrics["backend"],
        _number(metrics["wall_s"], ".1f"),
        status,
    )


def results_table(rows, out_root):
    """Markdown table in the reference's format, one row per run."""
    return markdown_table(RESULT_COLUMNS,
                          [result_cells(m, out_root) for m in rows])


def append_results(rows, out_root):
    """Append rows to `OUT/results.md` (the header the first time).

    A run already in the file is not added again.
    """
    path = os.path.join(out_root, "results.md")
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    table = results_table(rows, out_root).splitlines()
    lines = [line for line in table[2:] if line.split(" | ")[0] + " |"
             not in old]
    with open(path, "a", encoding="utf-8") as f:
        for line in (table[:2] if not old else []) + lines:
            f.write(line + "\n")
    return path
