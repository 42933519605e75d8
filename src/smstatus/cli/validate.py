"""`smstatus validate`: check histories against the machine, for people and for CI.

Exit codes: 0 when no violation reaches ``--fail-on`` (``error`` by default), 1 when one does
(an input record that could not be loaded is an ``unparsed_record`` error, so it always does),
2 on usage errors or when no input could be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any

import pandas as pd

from smstatus.cli._cluster import (
    add_cluster_arguments,
    load_history,
    validate_history,
    with_cluster,
)
from smstatus.cli._common import (
    add_format_argument,
    add_input_arguments,
    load_machine,
    parse_span,
)

__all__ = ["register", "run"]


def _tolerance(text: str) -> pd.Timedelta:
    try:
        value = parse_span(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < pd.Timedelta(0):
        raise argparse.ArgumentTypeError(f"{text!r}: the tolerance must be zero or positive")
    return value


def _rows(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the number of rows must be 0 or more")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `validate` command."""
    parser = subparsers.add_parser(
        "validate",
        help="check histories against the machine of legal edges",
        description="Check every status history against the machine of legal edges and report "
        "every violation; an input record that cannot be loaded is an error "
        "(unparsed_record). Exit 0 when nothing reaches --fail-on, 1 when something does, 2 "
        "on usage errors or unreadable input.",
    )
    add_input_arguments(parser)
    add_format_argument(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="make edges that are legal only by inference errors (inferred_edge)",
    )
    parser.add_argument(
        "--fail-on",
        choices=["error", "warning"],
        default="error",
        help="exit 1 when a violation of this severity or worse occurs (default: error)",
    )
    parser.add_argument(
        "--machine",
        metavar="FILE",
        help="a machine JSON file that extends or replaces the edge table",
    )
    parser.add_argument(
        "--max-rows",
        type=_rows,
        default=20,
        metavar="N",
        help="violations shown in text output (default: 20; csv and json show all)",
    )
    parser.add_argument(
        "--tolerance",
        type=_tolerance,
        default=pd.Timedelta("1s"),
        metavar="SPAN",
        help="slack of the time checks: gap, overlap, out_of_order (default: 1s)",
    )
    add_cluster_arguments(parser)
    parser.set_defaults(run=with_cluster(run))


def run(args: argparse.Namespace, *, stdout: IO[str] | None = None) -> int:
    """Run `validate`; return the exit code."""
    out = stdout or sys.stdout
    machine = load_machine(args.machine)
    history = load_history(args, machine=machine, rejects_later=True)
    report = validate_history(
        args, history, machine=machine, strict=args.strict, tolerance=args.tolerance
    )
    if args.format == "json":
        report.write_json(out, extra={"unparsed": _unparsed(history.unparsed)})
        out.write("\n")
    elif args.format == "csv":
        report.violations.to_csv(out, index=False)
    else:
        _text(report, len(history.unparsed), out, max_rows=args.max_rows)
    return 1 if len(report.at_least(args.fail_on)) else 0


def _unparsed(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = ("file", "line", "field", "reason")
    values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _stable_desc(v: pd.DataFrame) -> Any:
    """Row positions by severity, worst first, keeping the order of the rows within each."""
    return (-v["severity"].cat.codes.to_numpy().astype("int64")).argsort(kind="stable")


def _text(report: Any, n_unparsed: int, out: IO[str], *, max_rows: int) -> None:
    verdict = "ok" if report.ok else "INVALID"
    bad = f"; {n_unparsed} record(s) could not be loaded" if n_unparsed else ""
    out.write(f"smstatus validate: {verdict}: {report.headline()}{bad}\n")
    v = report.violations
    if not len(v):
        out.write("no violations\n")
        return
    out.write("\n" + report.summary().to_string(index=False) + "\n")
    shown = v.iloc[_stable_desc(v)[:max_rows]]
    if len(shown):
        out.write(f"\nfirst {len(shown)} of {len(v)} violations, worst first:\n")
        for sev, code, message in zip(
            shown["severity"].astype(str), shown["code"].astype(str), shown["message"], strict=True
        ):
            out.write(f"  {sev:<8}{code:<26}{message}\n")
    if len(v) > len(shown):
        out.write(
            f"  ... and {len(v) - len(shown)} more (raise --max-rows, or --format csv for all)\n"
        )
