"""``smstatus report`` of a whole fleet against loading it, per shape of data, same run.

Figures, per shape:

- ``smstatus report FILE -o DIR`` in a child process (start-up, loading, validation,
  statistics, plots, the HTML page and its CSV frames) against ``smstatus.load`` of the same
  file in a fresh child: at most 4x its time;
- the report's peak memory (the child's high-water RSS): at most 3 GB.
"""

from __future__ import annotations

import shutil

from _harness import Context, Figure, run_cli
from bench_load import child_load

LOAD_TARGET = 4.0
MEMORY_BUDGET_GB = 3.0


def _figures(ctx: Context, shape: str) -> list[Figure]:
    path = ctx.jsonl(shape)
    load = child_load(path)
    out = ctx.workdir / f"report-{shape}"
    run = run_cli(["report", str(path), "-o", str(out), "--no-progress"])
    if run.returncode not in (0, 1) or not (out / "index.html").exists():
        raise RuntimeError(f"smstatus report failed ({run.returncode}): {run.stderr[-2000:]}")
    html_mb = (out / "index.html").stat().st_size / 1e6
    shutil.rmtree(out, ignore_errors=True)
    name = f"smstatus report of {load['jobs']:,} jobs [{shape}] (end to end)"
    return [
        Figure(
            name,
            run.seconds,
            "smstatus.load of the same file (fresh child)",
            load["seconds"],
            LOAD_TARGET,
            kind="within",
            extra={"exit_code": run.returncode, "index.html": f"{html_mb:.1f} MB"},
        ),
        Figure(
            f"smstatus report [{shape}] peak RSS in GB (child process; 's' = GB here)",
            run.peak_gb,
            f"the {MEMORY_BUDGET_GB:g} GB budget",
            MEMORY_BUDGET_GB,
            1.0,
            kind="within",
            extra={"load peak": f"{load['peak_gb']:.2f} GB"},
        ),
    ]


def run(ctx: Context) -> list[Figure]:
    return [fig for shape in ctx.shapes for fig in _figures(ctx, shape)]
