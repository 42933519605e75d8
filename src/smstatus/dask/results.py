"""Results of many partitions, taken off the cluster as each one is done.

``dask.compute`` on a ``distributed`` cluster leaves every result in its worker's memory until
the last one is done, so a worker's memory would grow with the number of partitions it computed
(with the fleet). :func:`gather_results` takes each result to the caller as soon as it is done
and lets the cluster forget it, so a worker holds the partitions it is working on and little
else. Without a ``distributed`` client, it is ``dask.compute``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smstatus.dask.dependency import import_optional

__all__ = ["current_client", "gather_results"]


def current_client() -> Any:
    """The ``distributed.Client`` Dask computes with now (the ``scheduler`` of Dask's
    configuration, or the default client), or ``None`` when it computes without one."""
    get_scheduler = import_optional("dask.base").get_scheduler
    try:
        from distributed import Client
    except ImportError:
        return None
    scheduler = get_scheduler()  # the client itself, or its ``get`` in older releases
    owner = scheduler if isinstance(scheduler, Client) else getattr(scheduler, "__self__", None)
    return owner if isinstance(owner, Client) else None


def gather_results(values: Sequence[Any]) -> list[Any]:
    """Compute ``values`` (``Delayed``) in one graph, so that a task they share runs once, and
    return their results in order; on a ``distributed`` cluster each result leaves the
    cluster's memory as soon as it is done."""
    client = current_client()
    if client is None or not values:
        return list(import_optional("dask").compute(*values))
    as_completed = import_optional("distributed").as_completed
    futures = client.compute(list(values))
    positions: dict[Any, list[int]] = {}
    for i, future in enumerate(futures):
        positions.setdefault(future.key, []).append(i)
    done = as_completed(
        list({f.key: f for f in futures}.values()), loop=client.loop, with_results=True
    )
    del futures  # each future is dropped (and its result freed on the cluster) once taken
    results: list[Any] = [None] * len(values)
    for future, result in done:
        for i in positions[future.key]:
            results[i] = result
        future.release()
    return results
