"""A Dask client for the length of a ``with`` block: a running scheduler, or a local cluster.

:func:`connect` gives a :class:`distributed.Client` connected to the scheduler at an address
(``tcp://host:8786``, ``tls://...``), or to a cluster of worker processes on this machine that
it starts and closes. Inside the block the client is Dask's default, so ``dask.compute`` (and
the functions of smstatus given a :class:`~smstatus.dask.DaskHistory`) run on it; on exit the
client (and a local cluster) are closed and Dask's configuration is as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from smstatus.dask.dependency import import_optional
from smstatus.errors import ClusterConnectionError

__all__ = ["DEFAULT_TIMEOUT", "connect"]

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler to answer before giving up."""


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
        When the scheduler cannot be reached within ``timeout`` or its address is not one.
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
        with _client(distributed, scheduler, timeout) as client:
            yield client
        return
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    with _local_cluster(distributed, workers, memory_limit, timeout) as cluster:  # noqa: SIM117
        with _client(distributed, cluster, timeout) as client:
            yield client


@contextlib.contextmanager
def _client(distributed: Any, address: Any, timeout: float) -> Iterator[Any]:
    where = address if isinstance(address, str) else "the local cluster"
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=True)
    except (OSError, TimeoutError):  # asyncio's and distributed's time-outs included
        raise ClusterConnectionError(
            f"cannot reach the Dask scheduler at {where} within {timeout:g} s: is it running, "
            "and can this machine reach that host and port?"
        ) from None
    except (ValueError, TypeError) as exc:
        raise ClusterConnectionError(
            f"{where!r} is not the address of a Dask scheduler ({_first_line(exc)}); "
            "give one like tcp://scheduler.internal:8786"
        ) from None
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def _local_cluster(
    distributed: Any, workers: int | None, memory_limit: str | None, timeout: float
) -> Iterator[Any]:
    options: dict[str, Any] = {}
    if memory_limit is not None:
        options["memory_limit"] = memory_limit
    try:
        cluster = distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # its HTTP server on a free port, never 8787
            scheduler_kwargs={"dashboard": False},  # and no dashboard (bokeh) on it
            timeout=timeout,
            silence_logs=logging.CRITICAL,  # workers' heartbeats failing as the cluster closes
            **options,
        )
    except (OSError, TimeoutError, RuntimeError) as exc:  # RuntimeError: a worker failed
        raise ClusterConnectionError(
            f"cannot start a local Dask cluster: {_first_line(exc)}"
        ) from None
    try:
        yield cluster
    finally:
        cluster.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
