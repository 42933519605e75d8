"""`smstatus simulate`: write a realistic synthetic fleet of describe responses."""

from __future__ import annotations

import argparse
import sys

from smstatus.atomicfile import atomic_named_path, atomic_open
from smstatus.cli._common import CliError, check_folder


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value:g}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value:g}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `simulate` command."""
    parser = subparsers.add_parser(
        "simulate",
        help="write realistic synthetic describe responses (JSON Lines)",
        description="Simulate the DescribeTrainingJob responses of a fleet of training jobs "
        "and write them as JSON Lines (gzip when the name ends in .gz). The same arguments "
        "always give the same responses.",
    )
    parser.add_argument(
        "-n", type=_non_negative_int, default=1000, metavar="N", help="jobs (default: 1000)"
    )
    parser.add_argument(
        "--seed", type=_non_negative_int, default=0, help="random seed (default: 0)"
    )
    parser.add_argument(
        "--corrupt-share",
        type=_share,
        default=0.0,
        metavar="F",
        help="share of histories corrupted on purpose, 0 to 1 (default: 0)",
    )
    parser.add_argument(
        "--start",
        default="2025-01-06",
        metavar="TIME",
        help="creation time of the earliest job, ISO-8601 (default: 2025-01-06, UTC)",
    )
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--days",
        type=_positive_float,
        default=None,
        help="length of the creation window; the fleet is described at its end (default: 120)",
    )
    window.add_argument(
        "--end",
        default=None,
        metavar="TIME",
        help="end of the creation window, when the fleet is described (instead of --days)",
    )
    parser.add_argument(
        "--legacy-share",
        type=_share,
        default=0.0,
        metavar="F",
        help="share of jobs from before 2018, with the deprecated statuses, whatever the window "
        "(default: 0; a window that reaches back before 2018 has them anyway)",
    )
    parser.add_argument(
        "--growth",
        type=float,
        default=1.0,
        help="jobs are created 1+GROWTH times as often at the end as at the start (default: 1)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="FILE.jsonl, FILE.jsonl.gz, or - for standard output",
    )
    parser.add_argument(
        "--truth",
        metavar="CSV",
        help="also write what was generated for each job (corruptions included) as CSV",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `simulate`."""
    import pandas as pd

    from smstatus.simulation.simulator import simulate_with_truth, write_jsonl

    for target in (args.output, args.truth):
        if target is not None and target != "-":
            check_folder(target)
    for option, value in (("--start", args.start), ("--end", args.end)):
        try:
            if value is not None:
                pd.Timestamp(value)
        except ValueError:
            raise CliError(
                f"{option} {value!r} is not a time; use ISO-8601, e.g. 2025-01-06T15:30"
            ) from None
    try:
        sim = simulate_with_truth(
            args.n,
            seed=args.seed,
            corrupt_share=args.corrupt_share,
            start=args.start,
            days=args.days,
            end=args.end,
            legacy_share=args.legacy_share,
            growth=args.growth,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if args.output == "-":
        write_jsonl(sim.responses, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        where = "standard output"
    else:
        try:
            with atomic_named_path(args.output) as path:
                write_jsonl(sim.responses, path)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
        where = args.output
    if args.truth:
        try:
            with atomic_open(args.truth, "w", newline="") as stream:
                sim.truth.to_csv(stream, index=False)
        except OSError as exc:
            raise CliError(f"cannot write {args.truth}: {exc.strerror or exc}") from exc
    truth = sim.truth
    n_running = int(truth["running"].sum()) if len(truth) else 0
    n_corrupt = int(truth["corrupt"].sum()) if len(truth) else 0
    print(
        f"smstatus simulate: wrote {len(sim.responses)} jobs to {where} "
        f"({n_running} running, {n_corrupt} corrupt; seed {args.seed})",
        file=sys.stderr,
    )
    return 0
