"""Validation: vectorised ``validate()`` against replaying through ``transitions``; end to end.

Figures:

1. ``validate()`` of the loaded history (every check, every message) against replaying the same
   histories through ONE reused ``transitions.Machine``: per edge, set the model's state and fire
   ``to_<dest>`` (``MachineError`` when illegal). The replay is timed on a sample of jobs and
   scaled linearly to all jobs; the preparation of its inputs (status lists, job bounds) is not
   timed, which favours the baseline. Target: at least 200x faster.
2. Per shape of data: ``smstatus validate big.jsonl --format json`` in a subprocess (start-up,
   loading, validation, JSON to ``/dev/null``) against DuckDB's ``read_json`` of what
   validation needs (job names and entries: status, start, end; timestamps parsed) into Arrow,
   in this process. Target: at most 1.25x its time (skipped when DuckDB is not installed).
   For information, against reading the file's bytes, and where the time goes: the same
   steps in a child that stamps the time between them (start-up, imports, load, the escaping
   of the loaded text, ``validate()``, the JSON out, the interpreter's exit), each part as a
   share of DuckDB's time (the parts add up to the end-to-end ratio, within noise).

The first figure runs on the first shape only (validation works on the frames, whatever the
file's shape).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time

import numpy as np
import pyarrow.compute as pc

import _peers
from _harness import Context, Figure, run_cli

SAMPLE_JOBS = 20_000
DUCKDB_TARGET = 1.25  # end to end, at most this many times DuckDB's read of the same inputs


def _replay_inputs(history, n_jobs: int) -> tuple[list[str], list[int]]:
    """Statuses of the first ``n_jobs`` jobs as strings, and the bounds of each job's rows."""
    codes = history.job_codes()
    stop = int(np.searchsorted(codes, n_jobs, side="left"))
    if not np.all(codes[1:stop] >= codes[: stop - 1]):
        raise RuntimeError("the benchmark expects the loader's order: jobs in order")
    status = history.transitions["status"].iloc[:stop]
    statuses = np.asarray(status.cat.categories, dtype=object)[status.cat.codes.to_numpy()]
    bounds = np.searchsorted(codes[:stop], np.arange(n_jobs + 1), side="left")
    return statuses.tolist(), bounds.tolist()


def _replay(statuses: list[str], bounds: list[int]) -> int:
    """Replay every edge through one reused transitions.Machine; return the illegal ones."""
    from transitions import MachineError

    from smstatus.machine import StatusMachine

    status_machine = StatusMachine()  # a machine of our own: the model is attached to it
    machine = status_machine.machine
    model = type("ReplayModel", (), {})()
    machine.add_model(model, initial=status_machine.initial)
    states = set(machine.states)
    illegal = 0
    for job in range(len(bounds) - 1):
        for i in range(bounds[job] + 1, bounds[job + 1]):
            source, dest = statuses[i - 1], statuses[i]
            if source == dest or source not in states or dest not in states:
                continue
            machine.set_state(source, model)
            try:
                model.trigger(f"to_{dest}")
            except MachineError:
                illegal += 1
    machine.remove_model(model)
    return illegal


def _in_memory(ctx) -> Figure:
    import smstatus
    from smstatus.validation.checks import validate

    history = smstatus.load(ctx.describe_jsonl)
    n_jobs = history.n_jobs
    seconds, report = ctx.timed(lambda: validate(history), repeat=3)
    sample = min(SAMPLE_JOBS, n_jobs)
    statuses, bounds = _replay_inputs(history, sample)
    replay_s, illegal = ctx.timed(lambda: _replay(statuses, bounds), repeat=1)
    return Figure(
        f"validate() of {n_jobs:,} loaded jobs ({len(history.transitions):,} entries)",
        seconds,
        "replay through one transitions.Machine",
        replay_s * n_jobs / sample,
        200,
        extra={
            "replay": f"timed on {sample:,} jobs ({replay_s:.2f}s), scaled linearly",
            "violations": len(report.violations),
            "errors": int((report.violations["severity"] == "error").sum()),
            "replay_illegal_in_sample": illegal,
        },
    )


def _duckdb_s(path, shape: str, n_jobs: int, ctx: Context) -> float:
    epoch = _peers.is_epoch(shape)
    seconds, table = ctx.timed(lambda: _peers.read_names_and_entries(path, epoch=epoch), repeat=2)
    if table.num_rows != n_jobs:
        raise AssertionError(f"DuckDB read {table.num_rows} jobs of {shape}, smstatus {n_jobs}")
    if pc.sum(pc.list_value_length(table.column("SecondaryStatusTransitions"))).as_py() == 0:
        raise AssertionError(f"DuckDB read no entries of {shape}")
    return seconds


# the steps of ``smstatus validate FILE --format json`` (cli/validate.py), stamped in between
_PARTS_CHILD = """
import time
stamps = [("start-up", time.time())]
import gc, os, sys
import smstatus.cli, smstatus.io, smstatus.validation.checks
from smstatus.cli._common import escaped_history
stamps.append(("imports", time.time()))
history = smstatus.io.load([sys.argv[1]], errors="collect")
stamps.append(("load", time.time()))
history = escaped_history(history)
stamps.append(("escape", time.time()))
report = smstatus.validation.checks.validate(history)
stamps.append(("validate()", time.time()))
with open(os.devnull, "w") as out:
    report.write_json(out, extra={"unparsed": []})
    out.write("\\n")
del report, history
stamps.append(("output", time.time()))
print(" ".join(f"{name}={t!r}" for name, t in stamps), flush=True)
gc.freeze()  # as the program does before its exit
"""


def _parts(path) -> dict[str, float]:
    """Seconds of each step of ``validate --format json`` in a fresh child (best of two)."""
    best: dict[str, float] = {}
    for _ in range(2):
        t0 = time.time()
        done = subprocess.run(
            [sys.executable, "-c", _PARTS_CHILD, str(path)], capture_output=True, text=True
        )
        t_exit = time.time()
        if done.returncode:
            raise RuntimeError(f"the parts' child failed: {done.stderr[-2000:]}")
        stamps = [(k, float(v)) for k, v in (w.split("=") for w in done.stdout.split())]
        times = [t0] + [t for _, t in stamps] + [t_exit]
        names = [k for k, _ in stamps] + ["teardown"]
        for name, a, b in zip(names, times[:-1], times[1:], strict=True):
            best[name] = min(best.get(name, float("inf")), b - a)
    return best


def _end_to_end(ctx: Context, shape: str) -> list[Figure]:
    path = ctx.jsonl(shape)
    baselines = ctx.read_baselines(path)
    run = run_cli(["validate", str(path), "--format", "json"])
    if run.returncode not in (0, 1):
        raise RuntimeError(f"smstatus validate failed: {run.stderr[-2000:]}")
    name = f"smstatus validate --format json [{shape}] (end to end)"
    extra = {"exit_code": run.returncode, "file": f"{path.stat().st_size / 1e9:.2f} GB"}
    baseline = "DuckDB read_json of job names + entries into Arrow"
    parts: list[Figure] = []
    if _peers.available():
        duck_s = _duckdb_s(path, shape, ctx.n_jobs, ctx)
        duck = Figure(name, run.seconds, baseline, duck_s, DUCKDB_TARGET, "within", extra)
        parts = [
            Figure(f"  part [{shape}]: {part}", seconds, "DuckDB", duck_s, None, kind="within")
            for part, seconds in _parts(path).items()
        ]
    else:
        duck = Figure.skip(name, baseline, f"DuckDB is not installed ({_peers.INSTALL_HINT})")
    return [
        duck,
        *(Figure(name, run.seconds, label, s, None, kind="within") for label, s in baselines),
        *parts,
    ]


def run(ctx: Context) -> list[Figure]:
    first = _in_memory(ctx)
    gc.collect()  # the loaded history is gone before the subprocess loads its own
    return [first, *(fig for shape in ctx.shapes for fig in _end_to_end(ctx, shape))]
