"""`smstatus stats`: where the time of the jobs goes.

Without ``--what``: a readable summary (durations per status, bottlenecks, variants, the machine
against the data, cost with ``--prices``); ``--format json`` gives every table in one object.
With ``--what``: that one table, in ``--format text|json|csv``.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import warnings
from collections.abc import Callable
from typing import IO, Any

import pandas as pd

from smstatus.cli._cluster import add_cluster_arguments, load_history, with_cluster
from smstatus.cli._common import (
    CliError,
    add_format_argument,
    add_input_arguments,
    add_machine_argument,
    columns,
    emit_frame,
    exit_status,
    load_machine,
    time_option,
    warnings_as_lines,
)
from smstatus.spans import format_duration

WHAT = ("durations", "phases", "bottlenecks", "variants", "edges", "cost", "km", "trend")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `stats` command."""
    parser = subparsers.add_parser(
        "stats",
        help="where the time goes: durations, phases, bottlenecks, variants, edges, cost",
        description="Duration statistics of the status histories. Open entries (running "
        "jobs) are measured up to when each job was observed (its observed_at: the fetch, "
        "the event, the log's last poll), or up to --as-of for every job.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "--by",
        type=columns,
        action="extend",
        default=None,
        metavar="COL[,COL...]",
        help="group the jobs by job columns (instance_type, spot, training_job_status...) or "
        "time buckets such as creation_month, start_week; repeat it or separate columns by "
        "commas: --by instance_type,spot",
    )
    parser.add_argument(
        "--as-of",
        type=time_option("--as-of"),
        default=None,
        metavar="TIME",
        help="measure the open entries of every job up to TIME (ISO-8601 or epoch; default: "
        "each up to when its job was observed, its observed_at)",
    )
    add_machine_argument(parser)
    parser.add_argument(
        "--prices",
        default=None,
        metavar="FILE",
        help="CSV of instance_type,hourly_price[,spot_hourly_price]: adds cost",
    )
    parser.add_argument(
        "--what",
        choices=WHAT,
        default=None,
        help="print one table: durations (per status), phases (per job), bottlenecks (share "
        "per phase), variants, edges, cost (per job, needs --prices), km (Kaplan-Meier), "
        "trend (--status waits per --freq period of their start)",
    )
    parser.add_argument(
        "--status",
        nargs="+",
        default=["Pending"],
        metavar="STATUS",
        help="--what trend: the status(es) whose entries are summarised (default: Pending)",
    )
    parser.add_argument(
        "--freq",
        default="D",
        metavar="FREQ",
        help="--what trend: the period, h (hour), D (day, UTC), W (week from Monday), M "
        "(month) (default: D)",
    )
    parser.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="N",
        help="rows of each list in the summary (variants, edges; default: 10)",
    )
    add_format_argument(parser)
    add_cluster_arguments(parser)
    parser.set_defaults(run=with_cluster(run))


# -- the tables -------------------------------------------------------------------------------


Tables = dict[str, Callable[[], Any]]
"""Each table of ``--what`` by name, as a function that computes it (``bottlenecks``: the
whole :class:`~smstatus.analysis.hotspots.Bottlenecks`, whose ``shares`` is the table)."""

FLEET = {
    "durations": "duration_stats",
    "bottlenecks": "bottlenecks",
    "variants": "variants",
    "edges": "observed_edges",
}
"""The tables a cluster computes in one pass (their names in :mod:`smstatus.dask.summaries`)."""


def _tables(history: Any, args: argparse.Namespace, machine: Any) -> Tables:
    from smstatus.analysis.edges import observed_edges
    from smstatus.analysis.hotspots import bottlenecks, variants
    from smstatus.analysis.phases import duration_stats, phase_table

    by, as_of = args.by, args.as_of

    def cost() -> pd.DataFrame:
        if not args.prices:
            raise CliError("--what cost needs --prices FILE (instance_type,hourly_price)")
        from smstatus.analysis.cost import job_costs

        return job_costs(history, args.prices, as_of=as_of, machine=machine)

    def trend() -> pd.DataFrame:
        from smstatus.analysis.trend import phase_trend

        return phase_trend(
            history, args.status, by=by, freq=args.freq, as_of=as_of, machine=machine
        )

    def km() -> pd.DataFrame:
        from smstatus.analysis.survival import km_stats

        return km_stats(history, by=by, as_of=as_of)

    return {
        "durations": lambda: duration_stats(history, by=by, as_of=as_of, machine=machine),
        "phases": lambda: phase_table(history, as_of=as_of, machine=machine),
        "bottlenecks": lambda: bottlenecks(history, by=by, as_of=as_of, machine=machine),
        "variants": lambda: variants(history, as_of=as_of, machine=machine),
        "edges": lambda: observed_edges(history, machine=machine),
        "cost": cost,
        "km": km,
        "trend": trend,
    }


def _call(fn: Callable[[], Any]) -> Any:
    """Run a table function: bad options become usage errors (its warnings are said once, at
    the end of the command: :func:`~smstatus.cli._common.warnings_as_lines`)."""
    try:
        return fn()
    except ValueError as exc:
        from smstatus.errors import SmStatusError

        if isinstance(exc, SmStatusError):
            raise
        raise CliError(str(exc)) from exc


# -- fitting text to the terminal -----------------------------------------------------------

_MIN_TEXT = 24  # a long text cell is cut to no fewer characters than this


def terminal_width() -> int | None:
    """The width of the terminal the text goes to (``COLUMNS`` overrides it), or None when
    standard output is not a terminal (a file, a pipe: then nothing is cut)."""
    if not sys.stdout.isatty():
        return None
    return max(shutil.get_terminal_size((80, 24)).columns, 40)


def _cut(text: Any, limit: int) -> Any:
    if isinstance(text, str) and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def fit_frame(frame: pd.DataFrame, width: int) -> tuple[pd.DataFrame, str | None]:
    """The frame cut to print within ``width`` characters: long texts shortened, then the
    columns on the right left out; with a note that says what was cut (None: nothing)."""

    def rendered(f: pd.DataFrame) -> int:
        lines = f.to_string(index=False).splitlines() if len(f.columns) else [""]
        return max(len(line) for line in lines)

    if not len(frame.columns) or rendered(frame) <= width:
        return frame, None
    out = frame.copy()
    cut_texts = False
    limit = max(64, width // 2)  # job names (up to 63 characters) stay whole
    for col in out.columns:
        values = out[col]
        is_text = values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
        if is_text and values.astype(str).str.len().max() > limit:
            out[col] = values.astype(object).map(lambda v: _cut(v, limit))
            cut_texts = True
    keep = len(out.columns)
    while keep > 1 and rendered(out.iloc[:, :keep]) > width:
        keep -= 1
    out = out.iloc[:, :keep]
    what = []
    if cut_texts:
        what.append(f"texts longer than {limit} characters cut")
    if keep < len(frame.columns):
        what.append(f"{keep} of {len(frame.columns)} columns shown")
    note = (
        f"to fit {width} characters: {', '.join(what)}; --format csv (or json) prints every "
        "column in full"
    )
    return out, note


# -- the text summary -------------------------------------------------------------------------


def human(seconds: float) -> str:
    """``3725.0`` -> ``"1h02m"``; short and readable in a table (:func:`format_duration`)."""
    return format_duration(seconds, style="compact")


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if (str(col).endswith("_s") or col == "seconds") and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(human)
        elif col == "share":
            out[col] = out[col].map(lambda v: "-" if pd.isna(v) else f"{v:.1%}")
    return out


def _table(frame: pd.DataFrame, stream: IO[str], indent: str = "  ") -> None:
    """An aligned text table: names left-aligned, figures right-aligned; long texts cut to
    fit the terminal."""
    if not len(frame):
        stream.write(f"{indent}(none)\n")
        return
    full = terminal_width()
    width = full - len(indent) if full is not None else None
    if width is not None:
        frame = _fit_texts(frame, width)
    shown = _columns_that_fit(frame, width) if width is not None else len(frame.columns)
    if shown < len(frame.columns):
        left_out = ", ".join(str(c) for c in frame.columns[shown:])
        frame = frame.iloc[:, :shown]
        stream.write(f"{indent}(to fit {width} characters, not shown: {left_out})\n")
    columns = []
    for col in frame.columns:
        values = frame[col]
        left = isinstance(values.dtype, pd.CategoricalDtype) or (
            pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
        )
        cells = [str(col), *("-" if pd.isna(v) else str(v) for v in values)]
        width = max(len(c) for c in cells)
        columns.append([c.ljust(width) if left else c.rjust(width) for c in cells])
    for row in zip(*columns, strict=True):
        stream.write(indent + "  ".join(row).rstrip() + "\n")


def _prose(text: str) -> str:
    """A sentence wrapped to the terminal's width, with its newline."""
    import textwrap

    width = terminal_width()
    if width is None:
        return text + "\n"
    return textwrap.fill(text, width, subsequent_indent="  ") + "\n"


def _columns_that_fit(frame: pd.DataFrame, width: int) -> int:
    """How many of the columns, from the left, fit ``width`` characters (at least one)."""
    cells = frame.astype(object).where(frame.notna(), "-").astype(str)
    total, keep = -2, 0
    for c in frame.columns:
        total += 2 + max(len(str(c)), int(cells[c].str.len().max()))
        if total > width and keep:
            break
        keep += 1
    return keep


def _fit_texts(frame: pd.DataFrame, width: int) -> pd.DataFrame:
    """Cut the widest text column so that the rows fit ``width`` characters (never below
    :data:`_MIN_TEXT` characters)."""
    cells = frame.astype(object).where(frame.notna(), "-").astype(str)
    widths = {c: max(len(str(c)), int(cells[c].str.len().max())) for c in frame.columns}
    total = sum(widths.values()) + 2 * (len(widths) - 1)
    if total <= width:
        return frame
    widest = max(widths, key=widths.__getitem__)
    if not (frame[widest].dtype == object or pd.api.types.is_string_dtype(frame[widest].dtype)):
        return frame
    limit = max(_MIN_TEXT, widths[widest] - (total - width))
    out = frame.copy()
    out[widest] = cells[widest].map(lambda v: _cut(v, limit)).astype(frame[widest].dtype)
    return out


def _summary(
    history: Any,
    args: argparse.Namespace,
    tables: Tables,
    out: IO[str],
) -> None:
    stats = _call(tables["durations"])
    when = stats.attrs.get("as_of")
    n_open = int(stats["censored"].sum()) if len(stats) else 0
    counts = f"{history.n_jobs} jobs, {_n_entries(history)} entries"
    if when is None or pd.isna(when):
        until = "when each job was observed (its observed_at)"
        out.write(_prose(counts))
    else:
        until = "that time"
        out.write(_prose(f"{counts}; as of {when.isoformat()} (given)"))
    if n_open:
        out.write(
            _prose(
                f"{n_open} open entries (running jobs) are measured up to {until} and marked "
                "censored; their statistics are lower bounds"
            )
        )
    out.write("\nTime per status\n")
    _table(_readable(stats), out)

    b = _call(tables["bottlenecks"])
    out.write(f"\nBottlenecks (excluding {', '.join(b.exclude) or 'nothing'})\n")
    _table(_readable(b.shares), out)

    v = _call(tables["variants"])
    out.write(f"\nVariants ({len(v)} distinct; top {min(args.top, len(v))})\n")
    shown = _readable(v.head(args.top)[["count", "share", "median_wall_s", "has_loop", "variant"]])
    _table(shown, out)

    edges = _call(tables["edges"])
    seen = edges[edges["count"] > 0]
    missing = seen[~seen["in_machine"]]
    inferred = seen[seen["basis"].fillna("") == "inferred"]
    unseen = edges[edges["count"] == 0]
    out.write(
        "\n"
        + _prose(
            f"Edges: {len(seen)} distinct seen; {len(missing)} not in the machine; "
            f"{len(inferred)} inferred edges now seen; {len(unseen)} machine edges never seen"
        )
    )
    for title, rows in (
        ("not in the machine", missing),
        ("inferred edges seen (evidence for the edge table)", inferred),
    ):
        if len(rows):
            out.write(f"  {title}:\n")
            shown = rows.head(args.top)[["source", "dest", "count", "median_s"]]
            _table(_readable(shown), out, "    ")
            if len(rows) > args.top:
                out.write(f"    ... and {len(rows) - args.top} more (--what edges lists all)\n")

    if args.prices:
        costs = _call(tables["cost"])
        priced = costs["cost"].notna()
        out.write(
            f"\nCost: {costs.loc[priced, 'cost'].sum():,.2f} for {int(priced.sum())} priced "
            f"jobs; {int((~priced).sum())} jobs without a cost\n"
        )
        per_type = (
            costs[priced]
            .groupby("instance_type", observed=True)
            .agg(
                jobs=("cost", "size"),
                cost=("cost", "sum"),
                mean_spot_savings=("spot_savings", "mean"),
            )
            .reset_index()
        )
        per_type["cost"] = per_type["cost"].map("{:,.2f}".format)
        per_type["mean_spot_savings"] = per_type["mean_spot_savings"].map(
            lambda v: "-" if pd.isna(v) else f"{v:.0%}"
        )
        _table(per_type, out)


def _json_all(history: Any, args: argparse.Namespace, tables: Tables, out: IO[str]) -> None:
    names = ["durations", "bottlenecks", "variants", "edges"] + (["cost"] if args.prices else [])
    doc: dict[str, Any] = {"jobs": history.n_jobs, "entries": _n_entries(history)}
    for name in names:
        frame = _frame_of(_call(tables[name]))
        if "as_of" not in doc:
            # null: each job's open entry was measured up to its own observed_at
            when = frame.attrs.get("as_of")
            doc["as_of"] = None if when is None or pd.isna(when) else when.isoformat()
            doc["open_entries_up_to"] = "observed_at" if doc["as_of"] is None else "as_of"
        doc[name] = json.loads(frame.to_json(orient="records", date_format="iso"))
    json.dump(doc, out, indent=2)
    out.write("\n")


def _frame_of(table: Any) -> pd.DataFrame:
    """The frame a table prints (``bottlenecks``: its ``shares``)."""
    return table if isinstance(table, pd.DataFrame) else table.shares


def _n_entries(history: Any) -> int:
    """Status entries loaded (on a cluster, counted in the pass that found the tables)."""
    n = getattr(history, "n_entries", None)
    return int(n) if n is not None else len(history.transitions)


def _on_cluster(history: Any, args: argparse.Namespace, machine: Any, tables: Tables) -> Tables:
    """On a cluster, the fleet tables the command prints computed in one pass over the
    inputs (which also finds the rejects, listed on stderr, and the counts); the per-job
    tables (``phases``, ``cost``) and the entries of ``trend`` gathered from the partitions;
    ``km`` refused with a hint."""
    if getattr(args, "dask_client", None) is None:
        return tables
    from smstatus.cli._cluster import report_rejects
    from smstatus.dask.summaries import summarize

    if args.what == "km":
        raise CliError(
            "--what km does not run on a cluster: run it without --scheduler/--workers on the "
            "jobs that fit in memory"
        )
    per_job: Tables = {
        name: functools.partial(_gathered, history, args, machine, name)
        for name in ("phases", "trend")
    }
    if args.prices:
        per_job["cost"] = functools.partial(_gathered, history, args, machine, "cost")
    wanted = [args.what] if args.what in FLEET else list(FLEET) if args.what is None else []
    if not wanted:
        report_rejects(args, history, stderr=sys.stderr)
        return {**tables, **per_job}
    summary = _call(
        lambda: summarize(
            history,
            tables=[FLEET[name] for name in wanted],
            by=args.by,
            as_of=args.as_of,
            machine=machine,
        )
    )
    history.remember(summary.n_jobs, summary.unparsed, n_entries=summary.n_entries)
    report_rejects(args, history, stderr=sys.stderr)
    fleet = {name: _given(summary.tables[FLEET[name]]) for name in wanted}
    return {**tables, **per_job, **fleet}


def _gathered(history: Any, args: argparse.Namespace, machine: Any, name: str) -> pd.DataFrame:
    """A per-job table of a history on a cluster, computed partition by partition and
    gathered in input order (``phases``, ``trend``, or ``cost`` with the prices read here)."""
    from smstatus.dask.results import gather_results
    from smstatus.history import JobHistory

    if name == "phases":
        from smstatus.analysis.phases import phase_table

        lazy: Any = phase_table(history, as_of=args.as_of, machine=machine)
        return lazy.compute().reset_index(drop=True)
    if name == "trend":
        from smstatus.analysis.trend import summarise_trend, trend_entries

        options = {"by": args.by, "freq": args.freq, "as_of": args.as_of, "machine": machine}
        trend_entries(JobHistory.empty(), args.status, **options)  # bad options: before work
        parts = gather_results(history.map_partitions(trend_entries, args.status, **options))
        return summarise_trend(parts, args.status, freq=args.freq, machine=machine)
    from smstatus.analysis.cost import job_costs, load_prices, warn_missing_prices

    prices = load_prices(args.prices)
    parts = gather_results(
        history.map_partitions(_quiet_costs, prices, as_of=args.as_of, machine=machine)
    )
    costs = pd.concat(parts, ignore_index=True) if parts else job_costs(JobHistory.empty(), prices)
    warn_missing_prices(costs)  # once for the fleet, not once per partition (on a worker)
    return costs


def _quiet_costs(history: Any, prices: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """``job_costs`` of one partition, its warnings left to the merged frame."""
    from smstatus.analysis.cost import job_costs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return job_costs(history, prices, **options)


def _given(table: Any) -> Callable[[], Any]:
    """A table function that returns ``table``, computed already."""
    return lambda: table


def run(args: argparse.Namespace, *, stdout: IO[str] | None = None) -> int:
    """Run `stats` (each warning said once, at the end)."""
    with warnings_as_lines(sys.stderr):
        return _run(args, stdout or sys.stdout, sys.stderr)


def _run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if args.top < 0:
        raise CliError("--top must be 0 or more")
    if args.what is None and args.format == "csv":
        raise CliError("--format csv prints one table: choose it with --what")
    machine = load_machine(args.machine)
    history = load_history(args, stderr=err, machine=machine, rejects_later=True)
    tables = _on_cluster(history, args, machine, _tables(history, args, machine))
    if args.what is None:
        if args.format == "json":
            _json_all(history, args, tables, out)
        else:
            _summary(history, args, tables, out)
        return exit_status(history)
    frame = _frame_of(_call(tables[args.what]))
    width = terminal_width()
    if args.format == "text" and width is not None:
        frame, note = fit_frame(frame, width)
        if note:
            print(f"note: {note}", file=err)
    emit_frame(frame, args.format, stream=out)
    return exit_status(history)
