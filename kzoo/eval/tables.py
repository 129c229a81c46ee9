"""Markdown tables: the generic helper and the reference's result table."""

import os


def markdown_table(header, rows):
    """A markdown table: a header row, a rule, one line per row of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |"
              for row in rows]
    return "\n".join(lines)


RESULT_COLUMNS = ("File", "Loss", "val_mse_next", "params", "backend",
                  "wall_s")


def result_cells(metrics, out_root):
    """One run's cells in the reference's table (its `File | Loss`)."""
    return (
        os.path.relpath(metrics["run_dir"], out_root),
        f"{metrics['val_loss']:.6g}",
        f"{metrics['val_mse_next']:.6g}",
        metrics["params"],
        metrics["backend"],
        f"{metrics['wall_s']:.1f}",
    )


def results_table(rows, out_root):
    """Markdown table in the reference's format, one row per run."""
    return markdown_table(RESULT_COLUMNS,
                          [result_cells(m, out_root) for m in rows])


def append_results(rows, out_root):
    """Append rows to `OUT/results.md`, writing the header the first time."""
    path = os.path.join(out_root, "results.md")
    new = not os.path.exists(path)
    table = results_table(rows, out_root).splitlines()
    with open(path, "a", encoding="utf-8") as f:
        for line in table if new else table[2:]:
            f.write(line + "\n")
    return path
