"""A Dask client for the length of a ``with`` block: a running scheduler, or a local cluster.

:func:`connect` gives a :class:`distributed.Client` connected to the scheduler at an address
(``tcp://host:8786``, ``tls://...``), or to a cluster of worker processes on this machine that
it starts and closes. Inside the block the client is Dask's default, so ``dask.compute`` (and
the functions of smstatus given a :class:`~smstatus.dask.DaskHistory`) run on it; on exit the
client (and a local cluster) are closed and Dask's configuration is as it was.

A scheduler that cannot be reached, or a local cluster that does not start, is a
:class:`~smstatus.errors.ClusterConnectionError` of one line, whatever ``distributed`` raised
(see :data:`_START_FAILURES`), and what had started is closed. Errors of the work done inside
the block are not touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from collections.abc import Iterator
from typing import Any

from smstatus.dask.dependency import import_optional
from smstatus.errors import ClusterConnectionError

__all__ = ["DEFAULT_TIMEOUT", "connect"]

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler to answer before giving up."""

_START_FAILURES: tuple[type[Exception], ...] = (OSError, TimeoutError, RuntimeError, AssertionError)
"""What ``distributed`` raises when a client or a local cluster does not start: ``OSError`` (a
refused connection, no free port, a worker process that cannot be spawned), ``TimeoutError``
(a scheduler, nanny or worker slower than its time-out), ``RuntimeError`` ("Cluster failed to
start", "Nanny failed to start") and ``AssertionError`` (its event loop thread not running
within 10 s on a loaded machine, or a worker still running when a failed start closes)."""

_LOCAL_HINT = "try fewer workers, more memory for each, or again when the machine is less busy"


@contextlib.contextmanager
def connect(
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    timeout: float | None = None,
) -> Iterator[Any]:
    """A Dask client, closed on exit: of the scheduler at ``scheduler``, or of a local cluster.

    Parameters
    ----------
    scheduler
        Address of a running Dask scheduler (``tcp://scheduler.internal:8786``,
        ``tls://...``). When ``None``, a cluster of ``workers`` processes (one thread each) is
        started on 127.0.0.1 and closed on exit.
    workers
        Worker processes of the local cluster (default: one per core). Not with ``scheduler``:
        a running cluster has the workers it has.
    memory_limit
        Memory of each local worker (``"2.5GB"``); Dask's default (the machine's memory shared
        among the workers) when ``None``. Not with ``scheduler``.
    timeout
        Seconds to wait for the scheduler (or the local cluster) to answer (default:
        :data:`DEFAULT_TIMEOUT`).

    Yields
    ------
    distributed.Client
        The client, Dask's default client inside the block.

    Raises
    ------
    ClusterConnectionError
        When the scheduler cannot be reached within ``timeout`` or its address is not one, or
        when the local cluster or its client does not start (what had started is closed).
    MissingDependencyError
        When ``distributed`` is not installed (``pip install 'smstatus[dask]'``).
    ValueError
        When ``workers`` or ``memory_limit`` is given with ``scheduler``, or ``workers`` < 1.
    """
    distributed = import_optional("distributed", package="distributed")
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if scheduler is not None:
        if workers is not None or memory_limit is not None:
            raise ValueError(
                "workers and memory_limit size a local cluster: a running scheduler "
                f"({scheduler}) has the workers it has"
            )
        if isinstance(scheduler, str):
            _ask_scheduler(scheduler, timeout)
        with _client(distributed, scheduler, timeout) as client:
            _wait_for_a_worker(client, str(scheduler), timeout)
            yield client
        return
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    with _local_cluster(distributed, workers, memory_limit, timeout) as cluster:  # noqa: SIM117
        with _client(distributed, cluster, timeout) as client:
            yield client


def _ask_scheduler(address: str, timeout: float) -> None:
    """Ask the scheduler at ``address`` who it is; give up after ``timeout`` seconds.

    ``distributed.Client`` waits for ever on a port that accepts connections but does not
    answer in Dask's protocol (a scheduler's dashboard, another service), whatever its own
    time-out; this question has a deadline. It runs in a thread of its own, so that it works
    where an event loop is running already (Jupyter). A refused connection or a bad address is
    left to the client, whose messages say what went wrong."""
    import asyncio
    import concurrent.futures

    open_comm = import_optional("distributed.comm.core", package="distributed").connect

    async def identity() -> Any:
        comm = await open_comm(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def ask() -> Any:
        return asyncio.run(asyncio.wait_for(identity(), timeout))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            answer = pool.submit(ask).result()
        except OSError:  # refused, no route, or no answer in Dask's protocol (TimeoutError)
            raise ClusterConnectionError(
                f"cannot reach the Dask scheduler at {address} within {timeout:g} s: is it "
                "running, can this machine reach that host and port, and is it the scheduler's "
                "port (8786 by default; 8787 is its dashboard's)?"
            ) from None
        except (ValueError, TypeError):  # not an address: the client's message says why
            return
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise ClusterConnectionError(
            f"{address} answered, but not as a Dask scheduler: is it the scheduler's address?"
        )


def _wait_for_a_worker(client: Any, address: str, timeout: float) -> None:
    """Wait up to ``timeout`` seconds for the scheduler to have a worker: without one, every
    computation would wait for ever."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterConnectionError(
            f"the Dask scheduler at {address} has no worker (none joined within {timeout:g} s): "
            "start some with `dask worker " + address + "`"
        ) from None


@contextlib.contextmanager
def _client(distributed: Any, address: Any, timeout: float) -> Iterator[Any]:
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=True)
    except _START_FAILURES as exc:
        _close_half_started(exc, distributed.Client, timeout)
        raise ClusterConnectionError(_no_connection(address, timeout, exc)) from None
    except (ValueError, TypeError) as exc:
        _close_half_started(exc, distributed.Client, timeout)  # it may have set Dask's scheduler
        if "ssl" in str(exc).lower():
            raise ClusterConnectionError(
                f"{address} needs TLS certificates, and Dask's configuration has none: set "
                "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT "
                "and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY (or the same keys of Dask's "
                "configuration files)"
            ) from None
        raise ClusterConnectionError(
            f"{address!r} is not the address of a Dask scheduler ({_first_line(exc)}); "
            "give one like tcp://scheduler.internal:8786"
        ) from None
    with _closing(client):
        yield client


def _no_connection(address: Any, timeout: float, exc: Exception) -> str:
    """Why a client could not connect to the scheduler at ``address`` (a local cluster when not
    a string), and what to try."""
    if not isinstance(address, str):
        return (
            f"cannot connect to the local Dask cluster within {timeout:g} s: {_reason(exc)}; "
            f"{_LOCAL_HINT}"
        )
    if isinstance(exc, OSError | TimeoutError):  # asyncio's and distributed's time-outs included
        return (
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s: is it running, "
            "and can this machine reach that host and port?"
        )
    return f"cannot connect to the Dask scheduler at {address}: {_reason(exc)}; try again"


@contextlib.contextmanager
def _local_cluster(
    distributed: Any, workers: int | None, memory_limit: str | None, timeout: float
) -> Iterator[Any]:
    options: dict[str, Any] = {}
    if memory_limit is not None:
        options["memory_limit"] = memory_limit
    n_workers = workers or os.cpu_count() or 1
    try:
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # its HTTP server on a free port, never 8787
            scheduler_kwargs={"dashboard": False},  # and no dashboard (bokeh) on it
            timeout=timeout,
            silence_logs=logging.CRITICAL,  # workers' heartbeats failing as the cluster closes
            **options,
        )
    except _START_FAILURES as exc:
        _close_half_started(exc, distributed.SpecCluster, timeout)
        each = f" of {memory_limit} each" if memory_limit is not None else ""
        raise ClusterConnectionError(
            f"cannot start a local Dask cluster of {n_workers} worker "
            f"process{'es' if n_workers > 1 else ''}{each}: "
            f"{_reason(exc)}; {_LOCAL_HINT}"
        ) from None
    with _closing(cluster):
        yield cluster


@contextlib.contextmanager
def _closing(resource: Any) -> Iterator[Any]:
    """``resource``, closed on exit; when an error is already leaving the block, a failure to
    close does not replace it."""
    try:
        yield resource
    except BaseException:
        with contextlib.suppress(Exception):
            resource.close()
        raise
    resource.close()


def _close_half_started(exc: BaseException, kind: Any, timeout: float) -> None:
    """Close the ``kind`` (a client, a cluster) whose constructor raised ``exc``, found as
    ``self`` in the frames of its traceback: ``distributed`` may leave its event loop thread,
    a scheduler or worker processes running. Best effort, within ``timeout``."""
    started: list[Any] = []
    if not isinstance(kind, type):  # a stand-in for distributed's class
        return
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, kind) and all(candidate is not s for s in started):
            started.append(candidate)
    for thing in started:
        with contextlib.suppress(Exception):
            thing.close(timeout=timeout)
        with contextlib.suppress(Exception):  # a client that failed to start closes no loop
            thing._loop_runner.stop()


def _reason(exc: BaseException) -> str:
    """The first line of ``exc``'s message, with that of the error it was raised from when
    that one says more ("Nanny failed to start. (no free port)")."""
    text = _first_line(exc)
    root, depth = exc, 0
    while root.__cause__ is not None and depth < 10:
        root, depth = root.__cause__, depth + 1
    inner = _first_line(root)
    return f"{text} ({inner})" if root is not exc and inner not in text else text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if text:
        return text.splitlines()[0]
    if isinstance(exc, AssertionError):
        return (
            "an internal check of distributed failed (AssertionError), as when its event loop "
            "or a worker is slow to start"
        )
    return "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
