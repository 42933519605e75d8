"""`smstatus fetch`: describe the account's training jobs into a JSON Lines file.

The output file is also the cache: a later run describes only the jobs it lacks or holds as
running, and an interrupted run resumes. Exit codes: 0 done, 1 some describes failed (run
again to retry them), 2 usage or a fatal error (credentials, network), 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from typing import IO, Any

import pandas as pd

from smstatus.cli._common import CliError, check_folder, parse_span, positive_int

__all__ = ["parse_when", "register", "run"]

_RELATIVE = re.compile(r"^\s*\d+(?:\.\d+)?\s*[A-Za-z]+\s*$")
EXIT_INTERRUPTED = 130
_MAX_AGE = pd.Timedelta(days=365 * 100)


def parse_when(text: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """A time given as an age (``7d``, ``12h``, ``30min``, ``2w``) or a date/ISO timestamp.

    Naive dates and times are UTC. Raises :class:`argparse.ArgumentTypeError` otherwise.

    Examples
    --------
    >>> parse_when("2d", now=dt.datetime(2024, 3, 10, tzinfo=dt.UTC)).isoformat()
    '2024-03-08T00:00:00+00:00'
    >>> parse_when("2024-03-01").isoformat()
    '2024-03-01T00:00:00+00:00'
    """
    now = now or dt.datetime.now(dt.UTC)
    if _RELATIVE.match(text):
        try:
            age = parse_span(text)
        except ValueError:
            age = None
        if age is None or age < pd.Timedelta(0) or age > _MAX_AGE:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an age; write e.g. 7d, 12h, 30min, 2w, or a date"
            )
        return now - age.to_pytimedelta()
    try:
        ts = pd.Timestamp(text)
    except ValueError:
        ts = None
    if ts is None or pd.isna(ts):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or an age; write e.g. 2024-03-01, 2024-03-01T12:00Z or 7d"
        )
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def _rate(text: str) -> float | None:
    if text.lower() in ("0", "none", "off", "inf"):
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a positive number of requests per second (or 'off')"
        )
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `fetch` command."""
    from smstatus.status import PrimaryStatus

    parser = subparsers.add_parser(
        "fetch",
        help="describe the account's training jobs into a JSON Lines file (incremental)",
        description="List training jobs (ListTrainingJobs) and describe each one "
        "(DescribeTrainingJob) into FILE.jsonl, which every other command reads. FILE is also "
        "the cache: jobs it holds as ended are not described again, running ones are "
        "refreshed, and an interrupted run resumes. Credentials come from the usual AWS chain "
        "(environment, ~/.aws, --profile, SSO, instance role).",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE.jsonl", help="output file and cache"
    )
    parser.add_argument(
        "--since", type=parse_when, metavar="AGE|DATE", help="jobs created after (7d, 2024-03-01)"
    )
    parser.add_argument("--until", type=parse_when, metavar="AGE|DATE", help="jobs created before")
    parser.add_argument("--name-contains", metavar="S", help="jobs whose name contains S")
    parser.add_argument(
        "--status", choices=[s.value for s in PrimaryStatus], help="jobs in this primary status"
    )
    parser.add_argument("--region", metavar="R", help="AWS region (default: from the profile)")
    parser.add_argument("--profile", metavar="P", help="AWS profile")
    parser.add_argument("--endpoint-url", metavar="URL", help="another SageMaker endpoint")
    parser.add_argument(
        "--max-workers", type=positive_int, default=8, metavar="N", help="describe threads (8)"
    )
    parser.add_argument(
        "--list-rate",
        type=_rate,
        default=2.0,
        metavar="R",
        help="ListTrainingJobs requests per second (2: the account quota, which cannot be raised)",
    )
    parser.add_argument(
        "--describe-rate",
        type=_rate,
        default=10.0,
        metavar="R",
        help="DescribeTrainingJob requests per second (10)",
    )
    parser.add_argument(
        "--retry-mode",
        choices=["adaptive", "standard", "legacy"],
        default="adaptive",
        help="botocore retry mode for throttling and 5xx (adaptive)",
    )
    parser.add_argument(
        "--max-attempts",
        type=positive_int,
        default=10,
        metavar="N",
        help="attempts per request (10)",
    )
    parser.add_argument(
        "--no-refresh",
        dest="refresh_running",
        action="store_false",
        help="do not describe again the jobs the file holds as running",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    parser.add_argument(
        "--format", choices=["text", "json"], default="text", help="summary format (text)"
    )
    parser.set_defaults(run=run)


def _report_failures(failures: Any, stream: IO[str], limit: int = 20) -> None:
    if not len(failures):
        return
    print(f"{len(failures)} job(s) could not be described:", file=stream)
    for row in failures.head(limit).itertuples(index=False):
        print(f"  {row.job_name}: {row.kind} ({row.error_code}: {row.message})", file=stream)
    if len(failures) > limit:
        print(f"  ... and {len(failures) - limit} more", file=stream)


def run(args: argparse.Namespace, *, stdout: IO[str] | None = None) -> int:
    """Run `fetch`."""
    from smstatus.fetch.collector import ClientOptions, Collector, JobFilter, Pacing

    stdout = stdout or sys.stdout
    stderr = sys.stderr
    if args.since and args.until and args.since >= args.until:
        raise CliError(f"--since ({args.since:%Y-%m-%d %H:%M}) must be before --until")
    check_folder(args.output)
    progress = stderr.isatty() if args.progress is None else args.progress
    collector = Collector(
        jobs=JobFilter(
            created_after=args.since,
            created_before=args.until,
            name_contains=args.name_contains,
            status=args.status,
        ),
        pacing=Pacing(
            max_workers=args.max_workers,
            list_rate=args.list_rate,
            describe_rate=args.describe_rate,
            retry_mode=args.retry_mode,
            max_attempts=args.max_attempts,
        ),
        client_options=ClientOptions(
            region=args.region, profile=args.profile, endpoint_url=args.endpoint_url
        ),
        cache=args.output,
        progress=progress,
        refresh_running=args.refresh_running,
    )
    try:
        result = collector.run()
    except KeyboardInterrupt:
        summary = collector.summary
        print(
            f"\nsmstatus fetch: interrupted; {summary.described} response(s) of this run are "
            f"saved in {args.output}. Run the same command again to resume.",
            file=stderr,
        )
        return EXIT_INTERRUPTED
    summary = result.summary
    for note in summary.notes:
        print(f"note: {note}", file=stderr)
    _report_failures(result.failures, stderr)
    if args.format == "json":
        json.dump(summary.to_dict(), stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(summary.format() + "\n")
    errors = int((result.failures["kind"] == "error").sum()) if len(result.failures) else 0
    return 1 if errors else 0
