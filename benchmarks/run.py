"""Run every benchmark and print its figures as ratios against same-run baselines.

Usage::

    python benchmarks/run.py                 # 1,000,000 jobs, every benchmark
    python benchmarks/run.py --jobs 100000   # smaller
    python benchmarks/run.py --only load validate
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _harness import Context  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000, help="jobs in the generated data")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names (bench_<name>)")
    parser.add_argument(
        "--cold-read",
        action="store_true",
        help="also time a read of the data from disk, dropping the page cache first "
        "(Linux, root; it empties the cache of the whole machine)",
    )
    args = parser.parse_args(argv)
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n in set(args.only)]
    missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(n_jobs=args.jobs, workdir=Path(tmp), cold_read=args.cold_read)
        size_gb = ctx.describe_jsonl.stat().st_size / 1e9
        print(f"smstatus benchmarks: {args.jobs:,} jobs ({size_gb:.2f} GB JSONL)")
        for name in names:
            module = importlib.import_module(f"bench_{name}")
            print(f"-- {name}", flush=True)
            for fig in module.run(ctx):
                print("   " + fig.line(), flush=True)
                missed += not fig.ok
    print(f"{'all targets met' if not missed else f'{missed} target(s) missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
