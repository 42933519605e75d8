"""Run every benchmark and print its figures as ratios against same-run baselines.

Usage::

    python benchmarks/run.py                  # 1,000,000 jobs, every benchmark, every shape
    python benchmarks/run.py --jobs 100000    # smaller (down to 10,000)
    python benchmarks/run.py --only load validate --shapes sim verbose

Each figure is printed as ``[ok  ]``, ``[MISS]`` (its target is not met), ``[info]`` (no
target) or ``[skip]`` (not measured, and why). The exit code is 0 when every target is met,
1 when one is missed, 2 on a usage error.

DuckDB is the peer of the JSON Lines figures; it is an optional benchmark dependency, not a
dependency of smstatus: ``pip install duckdb``. Without it those figures are skipped.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _data import SHAPES  # noqa: E402
from _harness import Context  # noqa: E402

MIN_JOBS = 10_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="shapes: " + "; ".join(f"{k}: {v}" for k, v in SHAPES.items()),
    )
    parser.add_argument(
        "--jobs", type=int, default=1_000_000, help=f"jobs in the generated data (>= {MIN_JOBS:,})"
    )
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names (bench_<name>)")
    parser.add_argument(
        "--shapes",
        nargs="*",
        choices=list(SHAPES),
        default=None,
        help="shapes of the generated data (default: all; the first is the one of the "
        "benchmarks that run on one shape)",
    )
    parser.add_argument(
        "--cold-read",
        action="store_true",
        help="also time a read of the data from disk, dropping the page cache first "
        "(Linux, root; it empties the cache of the whole machine)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.jobs < MIN_JOBS:
        parser.error(f"--jobs must be at least {MIN_JOBS:,}")
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            parser.error(f"no benchmark {', '.join(sorted(unknown))}: one of {', '.join(names)}")
        names = [n for n in names if n in set(args.only)]
    shapes = tuple(args.shapes or SHAPES)
    missed, skipped = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(n_jobs=args.jobs, workdir=Path(tmp), cold_read=args.cold_read, shapes=shapes)
        print(f"smstatus benchmarks: {args.jobs:,} jobs; shapes {', '.join(shapes)}")
        for shape in shapes:
            size_gb = ctx.jsonl(shape).stat().st_size / 1e9
            print(f"   {shape}: {size_gb:.2f} GB of JSON Lines ({SHAPES[shape]})", flush=True)
        for name in names:
            module = importlib.import_module(f"bench_{name}")
            print(f"-- {name}", flush=True)
            for fig in module.run(ctx):
                print("   " + fig.line(), flush=True)
                if not fig.ok:
                    missed.append(fig.name)
                skipped += fig.skipped is not None
    if skipped:
        print(f"{skipped} figure(s) skipped (see [skip] above)")
    if missed:
        print(f"{len(missed)} target(s) missed")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
