"""Fixtures of the Dask engine's tests: a local cluster of processes, histories compared."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def local_client() -> Iterator[Any]:
    """A ``distributed`` client of two single-threaded worker processes on 127.0.0.1 (one per
    test session: starting it costs seconds)."""
    from distributed import Client, LocalCluster

    with warnings.catch_warnings():
        # its HTTP server takes another port when 8787 is in use (another cluster on the
        # machine), and says so in a warning, which the test settings make an error
        warnings.simplefilter("ignore")
        cluster = LocalCluster(
            processes=True,
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, Client(cluster, set_as_default=False) as client:  # no global default
        yield client


@pytest.fixture
def same_history() -> Any:
    """:func:`_dask_compare.assert_same_history`, for the tests of this folder."""
    from _dask_compare import assert_same_history

    return assert_same_history


@pytest.fixture
def sync_scheduler() -> Iterator[None]:
    """Dask's single-threaded scheduler for the test (``pytestmark`` of the modules that
    compute in this process)."""
    import dask

    with dask.config.set(scheduler="sync"):
        yield
