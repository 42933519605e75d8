"""The fetch cache at scale: what a later `smstatus fetch` pays before any request.

A later run opens the cache (the file of every job fetched so far) to know which jobs it holds
in a terminal status; the network costs dominate (see ``smstatus.fetch``), but opening must
stay small next to them. Figures, on the generated describe JSONL (``ctx.describe_jsonl``):

- opening the cache (index of names, statuses and line positions; Arrow parses every line,
  keeps two fields) against the naive index, ``json.loads`` per line: at least 2x faster;
- opening the cache against the time the ListTrainingJobs quota alone imposes on the same run
  (``n / 100`` pages at 2 requests per second; computed, not timed): within 2% of it;
- closing a run that refreshed 1% of the jobs (one atomic rewrite of the file, fsync'd)
  against copying the file and fsync'ing the copy: within 2x.
"""

from __future__ import annotations

import json
import math
import os
import shutil

from _harness import Context, Figure


def naive_index(path: os.PathLike) -> dict[str, str | None]:
    """The baseline: ``json.loads`` each line, keep name -> status."""
    index: dict[str, str | None] = {}
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                index[rec["TrainingJobName"]] = rec.get("TrainingJobStatus")
    return index


def run(ctx: Context) -> list[Figure]:
    from smstatus.fetch.cache import DescribeCache

    source = ctx.describe_jsonl
    size_gb = source.stat().st_size / 1e9
    read_s = ctx.read_bytes_s()
    link = ctx.workdir / "cache-bench.jsonl"
    if not link.exists():
        link.symlink_to(source)  # opened, never rewritten: the data stays shared

    def open_close() -> int:
        cache = DescribeCache(link).open()
        n = len(cache)
        cache.close()
        return n

    ours_s, n_jobs = ctx.timed(open_close, repeat=2)
    naive_s, index = ctx.timed(lambda: naive_index(source))
    if len(index) != n_jobs:
        raise AssertionError("the cache index and json.loads disagree on the jobs")
    running = [name for name, status in index.items() if status != "Completed"]
    del index

    # a run that refreshed 1% of the jobs: journal them, then close (one atomic rewrite)
    copy = ctx.workdir / "cache-rewrite.jsonl"

    def copy_and_sync() -> None:
        shutil.copyfile(source, copy)
        with copy.open("rb+") as fh:
            os.fsync(fh.fileno())

    copy_s, _ = ctx.timed(copy_and_sync)
    cache = DescribeCache(copy).open()
    names = cache.names[:: max(1, len(cache) // max(1, n_jobs // 100))]
    for raw in cache.get_raw(names):
        record = json.loads(raw)
        record["TrainingJobStatus"] = "Completed"
        cache.add(record)
    rewrite_s, _ = ctx.timed(cache.close)
    copy.unlink()

    counts = {"jobs": f"{n_jobs:,}", "file": f"{size_gb:.2f} GB"}
    list_floor_s = math.ceil(n_jobs / 100) / 2.0
    return [
        Figure(
            name="open the fetch cache",
            seconds=ours_s,
            baseline="json.loads per line (naive index)",
            baseline_s=naive_s,
            target=2.0,
            extra={**counts, "running in file": f"{len(running):,}"},
        ),
        Figure(
            name="open the fetch cache",
            seconds=ours_s,
            baseline="the list quota's floor for the same jobs (computed)",
            baseline_s=list_floor_s,
            target=0.02,
            kind="within",
            extra={
                **counts,
                "rate": f"{size_gb / ours_s:.2f} GB/s",
                "read bytes": f"{read_s:.2f}s",
            },
        ),
        Figure(
            name="close a run that refreshed 1% (atomic rewrite)",
            seconds=rewrite_s,
            baseline="copying the file and fsync'ing it",
            baseline_s=copy_s,
            target=2.0,
            kind="within",
            extra={**counts, "refreshed": f"{len(names):,}"},
        ),
    ]
