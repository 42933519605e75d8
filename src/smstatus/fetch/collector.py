"""Live collection from SageMaker: ``ListTrainingJobs``, then ``DescribeTrainingJob`` per job.

:func:`collect` is the quick call; :class:`Collector` is the same with a live
:attr:`~Collector.summary` (what the CLI shows when a run is interrupted).

The cost of a run, in requests: ``ceil(jobs / 100)`` list pages plus one describe per job the
cache does not hold in a terminal status (Completed, Failed, Stopped). The account quota of
``ListTrainingJobs`` is 2 requests per second and cannot be raised, so listing is paced on the
client side (``list_rate``), as are describes (``describe_rate``); throttling and 5xx errors
are retried by botocore (``retry_mode``, ``max_attempts``) when this module builds the client.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Unpack

import pandas as pd

from smstatus.errors import FetchError, MissingDependencyError
from smstatus.fetch.cache import TERMINAL_PRIMARY, CacheWriteError, DescribeCache, to_record
from smstatus.fetch.options import ClientOptions, FetchKeywords, JobFilter, Pacing, group_options
from smstatus.history import JobHistory

__all__ = [
    "LIST_PAGE_SIZE",
    "ClientOptions",
    "Collection",
    "CollectionSummary",
    "Collector",
    "FetchError",
    "JobFilter",
    "Pacing",
    "RateLimiter",
    "collect",
]

LIST_PAGE_SIZE = 100
"""Jobs per ``ListTrainingJobs`` page (the API's maximum)."""

LOAD_WHOLE_FILE_MIN = 5000
"""From this many listed jobs (and half the cache), the history is read from the cache file by
:func:`smstatus.load` (its fast path) rather than line by line."""

LIST = "ListTrainingJobs"
DESCRIBE = "DescribeTrainingJob"

NOT_FOUND_CODES = frozenset(
    {"ValidationException", "ResourceNotFound", "ResourceNotFoundException"}
)
"""Error codes of a describe whose job no longer exists (deleted after it was listed)."""

FATAL_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "MissingAuthenticationToken",
        "IncompleteSignature",
    }
)
"""Error codes that would fail every request alike: the run stops at once."""

FAILURES_COLUMNS = ("job_name", "kind", "error_code", "message")


# -- rate limiting ---------------------------------------------------------------------------


class RateLimiter:
    """A thread-safe token bucket: at most ``rate`` acquisitions per second, ``burst`` at once.

    Each caller reserves the next slot under a lock and sleeps outside it, so many threads
    are paced fairly. ``rate=None`` never waits.

    Parameters
    ----------
    rate
        Acquisitions per second (``None``: unlimited).
    burst
        How many may go at once after a pause (the bucket's capacity).
    clock, sleep
        Injectable for tests.

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = RateLimiter(2.0, clock=lambda: now[0],
    ...                       sleep=lambda s: now.__setitem__(0, now[0] + s))
    >>> [limiter.acquire() or now[0] for _ in range(3)]
    [0.0, 0.5, 1.0]
    """

    def __init__(
        self,
        rate: float | None,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and not rate > 0:
            raise ValueError(f"rate must be a positive number of requests per second, got {rate}")
        if not burst >= 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; return the seconds slept."""
        if self.rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait_s = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait_s > 0:
            self._sleep(wait_s)
        return wait_s


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionSummary:
    """What a run did.

    Attributes
    ----------
    listed
        Distinct jobs the listing returned.
    described
        Describe responses received (new jobs and refreshed running ones).
    refreshed
        Of ``described``: jobs the cache held in a running status.
    from_cache
        Listed jobs the cache held in a terminal status (not described).
    failed
        Listed jobs whose describe failed (``not_found`` included).
    not_found
        Of ``failed``: jobs deleted between list and describe.
    calls, requests
        API calls made and HTTP requests sent (retries included), per API.
    elapsed_s
        Wall time of the run.
    cache
        The cache file, when there is one.
    notes
        Things worth knowing (repaired cache lines, running jobs outside the listing).
    """

    listed: int = 0
    described: int = 0
    refreshed: int = 0
    from_cache: int = 0
    failed: int = 0
    not_found: int = 0
    calls: Mapping[str, int] = field(default_factory=dict)
    requests: Mapping[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    cache: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def retries(self) -> int:
        """HTTP requests beyond the first of each call (botocore's retries)."""
        return max(0, sum(self.requests.values()) - sum(self.calls.values()))

    def to_dict(self) -> dict[str, Any]:
        """Plain types, for JSON."""
        out = asdict(self)
        out["calls"], out["requests"] = dict(self.calls), dict(self.requests)
        out["notes"] = list(self.notes)
        out["retries"] = self.retries
        return out

    def format(self) -> str:
        """Two human lines: the jobs, then the requests."""
        where = f" into {self.cache}" if self.cache else ""
        gone = f" ({self.not_found} deleted since listed)" if self.not_found else ""
        jobs = (
            f"fetched{where}: listed {self.listed}, described {self.described} "
            f"({self.refreshed} refreshed), from cache {self.from_cache}, "
            f"failed {self.failed}{gone}"
        )
        per_api = ", ".join(f"{api} {self.requests.get(api, 0)}" for api in (LIST, DESCRIBE))
        retried = f" ({self.retries} retried)" if self.retries else ""
        return f"{jobs}\nrequests: {per_api}{retried} in {self.elapsed_s:.1f} s"

    def __str__(self) -> str:
        return self.format()


@dataclass(frozen=True)
class Collection:
    """The result of :func:`collect`.

    Attributes
    ----------
    history
        The listed jobs: in the cache file's order when there is a cache (jobs it held first,
        then new ones in listing order), else in listing order.
    summary
        Counts of the run (:class:`CollectionSummary`).
    failures
        One row per listed job whose describe failed: ``job_name``, ``kind`` (``not_found``
        for a job deleted since it was listed, ``error`` otherwise), ``error_code``,
        ``message``. A failed job that the cache holds keeps its cached history.
    """

    history: JobHistory
    summary: CollectionSummary
    failures: pd.DataFrame

    def _repr_html_(self) -> str:
        return (
            f"<div><b>Collection</b><pre>{self.summary.format()}</pre>"
            f"{self.history._repr_html_()}</div>"
        )


# -- the collector ---------------------------------------------------------------------------


def _require_boto3() -> Any:
    try:
        import boto3
        import botocore.config
        import botocore.exceptions  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("boto3", "aws", "Fetching from SageMaker") from exc
    return boto3


class _Progress:
    """A tqdm bar on stderr, or a line every ``interval`` seconds when tqdm is missing."""

    def __init__(self, enabled: bool, *, stream: IO[str] | None = None, interval: float = 10.0):
        self.stream = stream or sys.stderr
        self.interval = interval
        self.bar: Any = None
        self.enabled = enabled
        self.total = 0
        self.done = 0
        self._last = time.monotonic()
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=0, unit="job", desc="fetch", file=self.stream, dynamic_ncols=True)

    def listed(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def advance(self, counts: Mapping[str, int]) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix(counts, refresh=False)
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._line(counts)

    def _line(self, counts: Mapping[str, int]) -> None:
        detail = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"fetch: {self.done}/{self.total} jobs ({detail})", file=self.stream, flush=True)

    def close(self, counts: Mapping[str, int]) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and self.done:
            self._line(counts)


class Collector:
    """List and describe training jobs into a :class:`Collection`; see :func:`collect`.

    The live :attr:`summary` stays readable when :meth:`run` is interrupted.
    """

    def __init__(
        self,
        *,
        client: Any = None,
        jobs: JobFilter | None = None,
        pacing: Pacing | None = None,
        client_options: ClientOptions | None = None,
        cache: str | Path | None = None,
        progress: bool = False,
        refresh_running: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        **keywords: Unpack[FetchKeywords],
    ) -> None:
        self.jobs, self.pacing, self.client_options = group_options(
            jobs, pacing, client_options, keywords
        )
        self.client = client
        self.cache_path = Path(cache) if cache is not None else None
        self.progress = progress
        self.refresh_running = refresh_running
        self._clock = clock
        self._list_limiter = RateLimiter(self.pacing.list_rate, clock=clock, sleep=sleep)
        self._describe_limiter = RateLimiter(self.pacing.describe_rate, clock=clock, sleep=sleep)
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(
            ("listed", "described", "refreshed", "from_cache", "failed", "not_found"), 0
        )
        self._calls = {LIST: 0, DESCRIBE: 0}
        self._requests = {LIST: 0, DESCRIBE: 0}
        self._notes: list[str] = []
        self._started: float | None = None
        self._elapsed = 0.0
        self._finished = False
        self._stop = threading.Event()
        self._fresh: dict[str, dict[str, Any]] = {}
        self._failures: list[dict[str, Any]] = []
        self._progress: _Progress | None = None

    # -- the client ---------------------------------------------------------------------------

    def _build_client(self, session: Any) -> Any:
        from botocore.config import Config

        pacing = self.pacing
        config = Config(
            retries={"mode": pacing.retry_mode, "total_max_attempts": pacing.max_attempts},
            max_pool_connections=max(10, pacing.max_workers + 2),
            user_agent_extra="smstatus-fetch",
        )
        return session.client(
            "sagemaker",
            region_name=self.client_options.region,
            endpoint_url=self.client_options.endpoint_url,
            config=config,
        )

    def _hooks(self) -> list[tuple[str, Callable[..., None]]]:
        def on_call(event_name: str = "", **_: Any) -> None:
            api = event_name.rsplit(".", 1)[-1]
            with self._lock:
                self._calls[api] = self._calls.get(api, 0) + 1

        def on_send(event_name: str = "", **_: Any) -> None:
            api = event_name.rsplit(".", 1)[-1]
            limiter = self._list_limiter if api == LIST else self._describe_limiter
            limiter.acquire()
            with self._lock:
                self._requests[api] = self._requests.get(api, 0) + 1

        return [
            (f"before-parameter-build.sagemaker.{LIST}", on_call),
            (f"before-parameter-build.sagemaker.{DESCRIBE}", on_call),
            (f"before-send.sagemaker.{LIST}", on_send),
            (f"before-send.sagemaker.{DESCRIBE}", on_send),
        ]

    # -- the run ------------------------------------------------------------------------------

    @property
    def summary(self) -> CollectionSummary:
        """The counts so far (final once :meth:`run` returns or raises)."""
        with self._lock:
            elapsed = self._elapsed
            if self._started is not None and not self._finished:
                elapsed = self._clock() - self._started
            return CollectionSummary(
                **self._counts,
                calls=dict(self._calls),
                requests=dict(self._requests),
                elapsed_s=elapsed,
                cache=str(self.cache_path) if self.cache_path is not None else None,
                notes=tuple(self._notes),
            )

    def _bump(self, **deltas: int) -> None:
        with self._lock:
            for key, delta in deltas.items():
                self._counts[key] += delta
            if self._progress is not None:
                self._progress.advance(self._progress_counts())

    def _progress_counts(self) -> dict[str, int]:
        return {
            "described": self._counts["described"],
            "cached": self._counts["from_cache"],
            "failed": self._counts["failed"],
        }

    def _describe(self, client: Any, name: str, cache: DescribeCache | None) -> None:
        """One describe, on a worker thread: store the response or record the failure."""
        from botocore.exceptions import ClientError

        if self._stop.is_set():
            return
        refresh = cache is not None and name in cache
        try:
            response = client.describe_training_job(TrainingJobName=name)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            if code in FATAL_CODES:
                self._stop.set()
                raise
            kind = "not_found" if code in NOT_FOUND_CODES else "error"
            with self._lock:
                self._failures.append(
                    {
                        "job_name": name,
                        "kind": kind,
                        "error_code": code,
                        "message": str(error.get("Message", exc)),
                    }
                )
            self._bump(failed=1, not_found=int(kind == "not_found"))
            return
        except BaseException:  # fatal: network, credentials, Ctrl-C
            self._stop.set()
            raise
        # when the job was seen: the response's Date header, else this machine's clock
        record = to_record(response, observed_at=dt.datetime.now(dt.UTC))
        if cache is not None:
            cache.add(record)  # the history is read back from the file: nothing kept here
        else:
            with self._lock:
                self._fresh[name] = record
        self._bump(described=1, refreshed=int(refresh))

    def run(self) -> Collection:
        """List, describe what the cache lacks or holds as running, return the collection.

        Raises
        ------
        FetchError
            When the run cannot go on (no credentials, access denied, network lost after the
            retries); what was written to the cache is kept.
        KeyboardInterrupt
            Re-raised after the in-flight describes are written and the cache is closed.
        """
        _require_boto3()
        from botocore.exceptions import BotoCoreError, ClientError

        if self._started is not None:
            raise RuntimeError("a Collector runs once; make a new one for another run")
        self._started = self._clock()
        try:
            if self.client is not None:
                clients = [self.client]
            else:
                # one client per API: adaptive retry mode keeps its client-side rate per
                # client, so a throttled ListTrainingJobs (2 rps quota) does not slow describes
                session = self.client_options.session or _require_boto3().session.Session(
                    profile_name=self.client_options.profile, region_name=self.client_options.region
                )
                clients = [self._build_client(session), self._build_client(session)]
        except BotoCoreError as exc:  # e.g. an unknown profile, no region
            raise FetchError(f"cannot set up the SageMaker client: {exc}") from exc
        list_client, describe_client = clients[0], clients[-1]
        try:
            cache = DescribeCache(self.cache_path).open() if self.cache_path is not None else None
        except CacheWriteError as exc:  # repairing a cache left by a crash needs room too
            raise FetchError(str(exc), self.summary) from exc
        if cache is not None:
            self._notes.extend(cache.notes)
        hooks = self._hooks()
        uid = f"smstatus-collect-{id(self)}"
        for client in clients:
            for i, (event, handler) in enumerate(hooks):
                client.meta.events.register(event, handler, unique_id=f"{uid}-{i}")
        listed: list[str] = []
        close_error: CacheWriteError | None = None
        self._progress = _Progress(self.progress)
        pool = ThreadPoolExecutor(self.pacing.max_workers, thread_name_prefix="smstatus-describe")
        futures: list[Future[None]] = []
        try:
            try:
                self._list_and_submit(list_client, describe_client, cache, pool, futures, listed)
                self._wait(futures)
            except BaseException:
                self._stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        except (ClientError, BotoCoreError) as exc:
            raise FetchError(self._fatal_message(exc), self.summary) from exc
        except CacheWriteError as exc:  # a full disk: what was written is kept
            raise FetchError(str(exc), self.summary) from exc
        finally:
            pool.shutdown(wait=True)
            for client in clients:
                for i, (event, _) in enumerate(hooks):
                    client.meta.events.unregister(event, unique_id=f"{uid}-{i}")
            if cache is not None:
                listed_set = set(listed)
                stale = [n for n in cache.running() if n not in listed_set]
                if stale:
                    self._notes.append(
                        f"{len(stale)} job(s) the cache holds as running were not listed by this "
                        f"run's filters and were not refreshed (e.g. {stale[0]!r}); widen "
                        "--since to refresh them"
                    )
                try:
                    cache.close(order=listed)
                except CacheWriteError as exc:
                    close_error = exc
            with self._lock:
                self._elapsed = self._clock() - self._started
                self._finished = True
            self._progress.close(self._progress_counts())
            self._progress = None
        if close_error is not None:
            raise FetchError(str(close_error), self.summary) from close_error
        return self._result(listed, cache)

    def _list_and_submit(
        self,
        client: Any,
        describe_client: Any,
        cache: DescribeCache | None,
        pool: ThreadPoolExecutor,
        futures: list[Future[None]],
        listed: list[str],
    ) -> None:
        seen: set[str] = set()
        paginator = client.get_paginator("list_training_jobs")
        pages = paginator.paginate(
            **self.jobs.list_params(), PaginationConfig={"PageSize": LIST_PAGE_SIZE}
        )
        for page in pages:
            for summary in page.get("TrainingJobSummaries", ()):
                name = summary["TrainingJobName"]
                if name in seen:  # a job can move between pages while the listing runs
                    continue
                seen.add(name)
                listed.append(name)
                with self._lock:
                    self._counts["listed"] += 1
                cached = cache.status(name) if cache is not None else None
                if (
                    cache is not None
                    and name in cache
                    and (cached in TERMINAL_PRIMARY or not self.refresh_running)
                ):
                    self._bump(from_cache=1)
                    continue
                futures.append(pool.submit(self._describe, describe_client, name, cache))
            if self._progress is not None:
                self._progress.listed(len(listed))
            _raise_first_error(futures)

    def _wait(self, futures: list[Future[None]]) -> None:
        # wait in slices so that Ctrl-C is handled promptly on every platform
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
            _raise_first_error(done)

    def _fatal_message(self, exc: BaseException) -> str:
        from botocore.exceptions import ClientError, NoCredentialsError

        if isinstance(exc, NoCredentialsError):
            what = (
                "no AWS credentials found; configure them the usual way (environment, "
                "~/.aws/credentials, --profile, SSO or an instance role)"
            )
        elif isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            what = (
                f"{exc.operation_name} failed: {error.get('Code', 'Unknown')}: "
                f"{error.get('Message', '')}"
            )
        else:
            what = f"{type(exc).__name__}: {exc}"
        kept = (
            f"; {self.summary.described} response(s) are saved in {self.cache_path}, "
            "run again to resume"
            if self.cache_path is not None
            else ""
        )
        return what + kept

    def _result(self, listed: list[str], cache: DescribeCache | None) -> Collection:
        from smstatus.io.describe import from_describe

        if cache is None:
            records = [self._fresh[n] for n in listed if n in self._fresh]
            history = from_describe(records, errors="collect", name="<DescribeTrainingJob>")
        else:
            history = _history_from_cache(cache, listed)
        if len(history.unparsed):
            first = history.unparsed.iloc[0]
            with self._lock:
                self._notes.append(
                    f"{len(history.unparsed)} cached record(s) could not be loaded, e.g. "
                    f"{first['file']}:{first['line']}: {first['reason']}"
                )
        failures = pd.DataFrame(self._failures, columns=list(FAILURES_COLUMNS))
        rank = {n: i for i, n in enumerate(listed)}
        failures = (
            failures.assign(_rank=failures["job_name"].map(rank))
            .sort_values("_rank", kind="stable")
            .drop(columns="_rank")
            .reset_index(drop=True)
            .astype("string[pyarrow]")
        )
        return Collection(history=history, summary=self.summary, failures=failures)


def _history_from_cache(cache: DescribeCache, listed: list[str]) -> JobHistory:
    """The listed jobs as the (closed) cache file holds them, in its order."""
    import json

    from smstatus.io import load
    from smstatus.io.describe import from_describe

    wanted = set(listed)
    names = [n for n in cache.names if n in wanted]
    if not names:
        return JobHistory.empty()
    if len(names) >= LOAD_WHOLE_FILE_MIN and 2 * len(names) >= len(cache):
        history = load(cache.path, source="describe", errors="collect")
        return history if len(names) == len(cache) else history.select(names)
    records = [json.loads(raw) for raw in cache.get_raw(names)]
    return from_describe(records, errors="collect", name=str(cache.path))


def _raise_first_error(futures: Iterable[Future[None]]) -> None:
    for fut in futures:
        if fut.done() and not fut.cancelled():
            error = fut.exception()
            if error is not None:
                raise error


def collect(
    *,
    client: Any = None,
    jobs: JobFilter | None = None,
    pacing: Pacing | None = None,
    client_options: ClientOptions | None = None,
    cache: str | Path | None = None,
    progress: bool = False,
    refresh_running: bool = True,
    **keywords: Unpack[FetchKeywords],
) -> Collection:
    """Fetch the status histories of training jobs from SageMaker.

    Lists the jobs (``ListTrainingJobs``, pages of 100, paced at ``list_rate``) and describes
    each (``DescribeTrainingJob`` on ``max_workers`` threads, paced at ``describe_rate``). With a
    ``cache``, responses are appended to it as they arrive, jobs it holds in a terminal status
    are not described again and running ones are refreshed: a later run costs the list pages
    plus the running jobs, and an interrupted run resumes where it stopped.

    Parameters
    ----------
    client
        A boto3 SageMaker client to use as is (its retry settings included).
    jobs
        Which jobs to list: a :class:`~smstatus.JobFilter` (``created_after``,
        ``created_before``, ``name_contains``, ``status``); all jobs when ``None``.
    pacing
        A :class:`~smstatus.Pacing`: describe threads (``max_workers``, 8),
        client-side rates in requests per second (``list_rate`` 2, the account quota of
        ``ListTrainingJobs``; ``describe_rate`` 10) and botocore's retries (``retry_mode``
        adaptive, ``max_attempts`` 10) for the client this function builds.
    client_options
        A :class:`~smstatus.ClientOptions` (``session``, ``region``, ``profile``,
        ``endpoint_url``): how to build the client when none is given.
    cache
        A JSON Lines file of describe responses (created when missing), readable by every
        other command (see :mod:`smstatus.fetch.cache`).
    progress
        Show a progress bar on stderr (tqdm, the ``progress`` extra; without it a line every
        10 seconds).
    refresh_running
        Describe again the jobs the cache holds in a running status (``InProgress``,
        ``Stopping``).
    **keywords
        The fields of the three groups as plain keywords, for the common case
        (``collect(created_after="2024-06-01", max_workers=4)``); a group and its own fields in
        one call raise ``ValueError``.

    Returns
    -------
    Collection
        ``.history`` (the listed jobs), ``.summary`` (counts and requests), ``.failures``
        (jobs whose describe failed; a job deleted since it was listed is ``not_found``).

    Raises
    ------
    MissingDependencyError
        When boto3 is not installed (``pip install 'smstatus[aws]'``).
    FetchError
        When the run cannot go on; what was written to the cache is kept.

    Examples
    --------
    >>> result = collect(created_after="2024-06-01", cache="jobs.jsonl")  # doctest: +SKIP
    >>> result = collect(  # doctest: +SKIP
    ...     jobs=JobFilter(created_after="2024-06-01", status="Failed"),
    ...     pacing=Pacing(max_workers=4, describe_rate=5),
    ...     cache="jobs.jsonl",
    ... )
    >>> print(result.summary)  # doctest: +SKIP
    fetched into jobs.jsonl: listed 120, described 120 (0 refreshed), from cache 0, failed 0
    requests: ListTrainingJobs 2, DescribeTrainingJob 120 in 12.3 s
    """
    return Collector(
        client=client,
        jobs=jobs,
        pacing=pacing,
        client_options=client_options,
        cache=cache,
        progress=progress,
        refresh_running=refresh_running,
        **keywords,
    ).run()
