"""`smstatus stats`: where the time of the jobs goes.

Without ``--what``: a readable summary (durations per status, bottlenecks, variants, the machine
against the data, cost with ``--prices``); ``--format json`` gives every table in one object.
With ``--what``: that one table, in ``--format text|json|csv``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Callable
from typing import IO, Any

import pandas as pd

from smstatus.cli._common import (
    CliError,
    add_format_argument,
    add_input_arguments,
    columns,
    emit_frame,
    exit_status,
    load_inputs,
    time_option,
)

WHAT = ("durations", "phases", "bottlenecks", "variants", "edges", "cost", "km")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `stats` command."""
    parser = subparsers.add_parser(
        "stats",
        help="where the time goes: durations, phases, bottlenecks, variants, edges, cost",
        description="Duration statistics of the status histories. Open entries (running "
        "jobs) are measured up to --as-of, by default the latest time in the data.",
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
        help="measure open entries up to TIME (ISO-8601 or epoch; default: the latest time "
        "in the data)",
    )
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
        "per phase), variants, edges, cost (per job, needs --prices), km (Kaplan-Meier)",
    )
    parser.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="N",
        help="rows of each list in the summary (variants, edges; default: 10)",
    )
    add_format_argument(parser)
    parser.set_defaults(run=run)


# -- the tables -------------------------------------------------------------------------------


def _tables(history: Any, args: argparse.Namespace) -> dict[str, Callable[[], pd.DataFrame]]:
    from smstatus.bottlenecks import bottlenecks, variants
    from smstatus.durations import duration_stats, phase_table
    from smstatus.edges import observed_edges

    by, as_of = args.by, args.as_of

    def cost() -> pd.DataFrame:
        if not args.prices:
            raise CliError("--what cost needs --prices FILE (instance_type,hourly_price)")
        from smstatus.cost import job_costs

        return job_costs(history, args.prices, as_of=as_of)

    def km() -> pd.DataFrame:
        from smstatus.survival import km_stats

        return km_stats(history, by=by, as_of=as_of)

    return {
        "durations": lambda: duration_stats(history, by=by, as_of=as_of),
        "phases": lambda: phase_table(history, as_of=as_of),
        "bottlenecks": lambda: bottlenecks(history, by=by, as_of=as_of).shares,
        "variants": lambda: variants(history, as_of=as_of),
        "edges": lambda: observed_edges(history),
        "cost": cost,
        "km": km,
    }


def _call(fn: Callable[[], Any], stderr: IO[str]) -> Any:
    """Run a table function: bad options become usage errors, warnings go to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
        except ValueError as exc:
            from smstatus.errors import SmStatusError

            if isinstance(exc, SmStatusError):
                raise
            raise CliError(str(exc)) from exc
    if caught:
        sys.stdout.flush()
    for w in caught:
        print(f"warning: {w.message}", file=stderr)
    return result


# -- the text summary -------------------------------------------------------------------------


def human(seconds: float) -> str:
    """``3725.0`` -> ``"1h02m"``; short and readable in a table."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if math.isinf(seconds):
        return "inf"
    sign, s = ("-" if seconds < 0 else ""), abs(float(seconds))
    if s < 60:
        return f"{sign}{s:.1f}s" if s < 10 else f"{sign}{s:.0f}s"
    if s < 3600:
        return f"{sign}{int(s // 60)}m{int(s % 60):02d}s"
    if s < 86400:
        return f"{sign}{int(s // 3600)}h{int(s % 3600 // 60):02d}m"
    return f"{sign}{int(s // 86400)}d{int(s % 86400 // 3600):02d}h"


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if (str(col).endswith("_s") or col == "seconds") and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(human)
        elif col == "share":
            out[col] = out[col].map(lambda v: "-" if pd.isna(v) else f"{v:.1%}")
    return out


def _table(frame: pd.DataFrame, stream: IO[str], indent: str = "  ") -> None:
    """An aligned text table: names left-aligned, figures right-aligned."""
    if not len(frame):
        stream.write(f"{indent}(none)\n")
        return
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


def _summary(history: Any, args: argparse.Namespace, out: IO[str], err: IO[str]) -> None:
    from smstatus.bottlenecks import bottlenecks, variants
    from smstatus.durations import duration_stats
    from smstatus.edges import observed_edges

    by, as_of = args.by, args.as_of
    stats = _call(lambda: duration_stats(history, by=by, as_of=as_of), err)
    when = stats.attrs.get("as_of")
    basis = "given" if as_of is not None else "the latest time in the data"
    n_open = int(stats["censored"].sum()) if len(stats) else 0
    when_text = "-" if when is None or pd.isna(when) else when.isoformat()
    out.write(
        f"{history.n_jobs} jobs, {len(history.transitions)} entries; as of {when_text} ({basis})\n"
    )
    if n_open:
        out.write(
            f"{n_open} open entries (running jobs) are measured up to that time and marked "
            "censored; their statistics are lower bounds\n"
        )
    out.write("\nTime per status\n")
    _table(_readable(stats), out)

    b = _call(lambda: bottlenecks(history, by=by, as_of=as_of), err)
    out.write(f"\nBottlenecks (excluding {', '.join(b.exclude) or 'nothing'})\n")
    _table(_readable(b.shares), out)

    v = _call(lambda: variants(history, as_of=as_of), err)
    out.write(f"\nVariants ({len(v)} distinct; top {min(args.top, len(v))})\n")
    shown = _readable(v.head(args.top)[["count", "share", "median_wall_s", "has_loop", "variant"]])
    _table(shown, out)

    edges = _call(lambda: observed_edges(history), err)
    seen = edges[edges["count"] > 0]
    missing = seen[~seen["in_machine"]]
    inferred = seen[seen["basis"].fillna("") == "inferred"]
    unseen = edges[edges["count"] == 0]
    out.write(
        f"\nEdges: {len(seen)} distinct seen; {len(missing)} not in the machine; "
        f"{len(inferred)} inferred edges now seen; {len(unseen)} machine edges never seen\n"
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
        from smstatus.cost import job_costs

        costs = _call(lambda: job_costs(history, args.prices, as_of=as_of), err)
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


def _json_all(history: Any, args: argparse.Namespace, out: IO[str], err: IO[str]) -> None:
    tables = _tables(history, args)
    names = ["durations", "bottlenecks", "variants", "edges"] + (["cost"] if args.prices else [])
    doc: dict[str, Any] = {"jobs": history.n_jobs, "entries": len(history.transitions)}
    for name in names:
        frame = _call(tables[name], err)
        if "as_of" not in doc:
            when = frame.attrs.get("as_of")
            doc["as_of"] = None if when is None or pd.isna(when) else when.isoformat()
        doc[name] = json.loads(frame.to_json(orient="records", date_format="iso"))
    json.dump(doc, out, indent=2)
    out.write("\n")


def run(args: argparse.Namespace, *, stdout: IO[str] | None = None) -> int:
    """Run `stats`."""
    out = stdout or sys.stdout
    err = sys.stderr
    if args.top < 0:
        raise CliError("--top must be 0 or more")
    history = load_inputs(args, stderr=err)
    if args.what is None:
        if args.format == "csv":
            raise CliError("--format csv prints one table: choose it with --what")
        if args.format == "json":
            _json_all(history, args, out, err)
        else:
            _summary(history, args, out, err)
        return exit_status(history)
    frame = _call(_tables(history, args)[args.what], err)
    emit_frame(frame, args.format, stream=out)
    return exit_status(history)
