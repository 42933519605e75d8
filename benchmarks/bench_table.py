"""Loading the library's own tables (Parquet and CSV), per shape of data, same run.

The tables are what ``smstatus convert -o x.parquet --jobs-out x.jobs.parquet`` writes
(``write_table``): the transitions and, beside them, the jobs. Figures, per shape (the texts
of the shapes differ, and so the tables):

- ``smstatus.load`` of the Parquet transitions (it finds the jobs table beside them) against
  ``pyarrow.parquet.read_table`` of both files: at most 1.5x its time;
- the same for CSV against ``pyarrow.csv.read_csv`` of both files (with
  ``newlines_in_values``: quoted failure reasons span lines): at most 1.5x.
"""

from __future__ import annotations

from pathlib import Path

from _harness import Context, Figure

PARQUET_TARGET = 1.5
CSV_TARGET = 1.5


def _tables(ctx: Context, shape: str, suffix: str) -> tuple[Path, Path]:
    """The transitions and jobs tables of a shape's JSONL (written once per run)."""
    import smstatus
    from smstatus.io import write_table

    transitions = ctx.workdir / f"table-{shape}{suffix}"
    jobs = ctx.workdir / f"table-{shape}.jobs{suffix}"
    if not transitions.exists():
        history = smstatus.load(ctx.jsonl(shape))
        write_table(history, transitions, jobs_path=jobs)
    return transitions, jobs


def _figure(ctx: Context, shape: str, suffix: str) -> Figure:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    import smstatus

    transitions, jobs = _tables(ctx, shape, suffix)
    if suffix == ".parquet":
        read = pq.read_table
    else:  # quoted values may hold line ends (failure reasons do), as smstatus allows
        options = pacsv.ParseOptions(newlines_in_values=True)

        def read(path):
            return pacsv.read_csv(path, parse_options=options)

    ours_s, history = ctx.timed(lambda: smstatus.load(transitions), repeat=2)
    base_s, (t_table, j_table) = ctx.timed(lambda: (read(transitions), read(jobs)), repeat=2)
    if (history.n_jobs, len(history.transitions)) != (j_table.num_rows, t_table.num_rows):
        raise AssertionError(f"smstatus and pyarrow disagree on the {suffix} tables of {shape}")
    kind = "Parquet" if suffix == ".parquet" else "CSV"
    size_mb = (transitions.stat().st_size + jobs.stat().st_size) / 1e6
    return Figure(
        f"load {kind} transitions + jobs [{shape}]",
        ours_s,
        f"{'pyarrow.parquet.read_table' if kind == 'Parquet' else 'pyarrow.csv.read_csv'} "
        "of both files",
        base_s,
        PARQUET_TARGET if kind == "Parquet" else CSV_TARGET,
        kind="within",
        extra={"jobs": f"{history.n_jobs:,}", "files": f"{size_mb:.0f} MB"},
    )


def run(ctx: Context) -> list[Figure]:
    return [_figure(ctx, shape, suffix) for shape in ctx.shapes for suffix in (".parquet", ".csv")]
