"""connect(): a local cluster of worker processes, or a running scheduler, closed on exit."""

from __future__ import annotations

import copy
import os
import socket
import time

import pytest

pytest.importorskip("distributed")

import distributed
from distributed.client import _get_global_client

import dask
from smstatus.dask.cluster import connect
from smstatus.errors import ClusterConnectionError, SmStatusError


def _pid() -> int:
    return os.getpid()


def _closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def local():
    """One local cluster of 2 processes for the module (starting one takes seconds)."""
    before = copy.deepcopy(dask.config.config)
    with connect(workers=2, memory_limit="1GB") as client:
        yield client, before


def test_a_local_cluster_of_two_processes_runs_tasks(local):
    client, _ = local
    info = client.scheduler_info()
    assert len(info["workers"]) == 2
    assert {w["nthreads"] for w in info["workers"].values()} == {1}
    assert {w["memory_limit"] for w in info["workers"].values()} == {10**9}
    assert all(w["host"] == "127.0.0.1" for w in info["workers"].values())
    pids = set(client.run(_pid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # processes, not threads of this one
    assert client.submit(sum, [1, 2, 3]).result() == 6


def test_inside_the_block_dask_computes_on_the_cluster(local):
    client, _ = local
    assert distributed.default_client() is client
    worker_pids = set(client.run(_pid).values())
    assert dask.compute(dask.delayed(_pid)())[0] in worker_pids


def test_exit_closes_the_cluster_and_restores_dask():
    before = copy.deepcopy(dask.config.config)
    default_before = _get_global_client()  # another test's client, or None
    with connect(workers=1) as client:
        cluster = client.cluster
        assert _get_global_client() is client
    assert client.status == "closed"
    assert cluster.status.name == "closed"
    assert dask.config.config == before
    assert _get_global_client() is default_before


def test_a_running_scheduler_is_used_and_left_running(local):
    cluster = local[0].cluster
    with connect(scheduler=cluster.scheduler_address) as client:
        assert client.submit(pow, 2, 10).result() == 1024
    assert client.status == "closed"
    assert cluster.status.name == "running"  # not ours to close
    assert local[0].submit(pow, 3, 2).result() == 9


def test_an_unreachable_scheduler_is_a_clear_error_quickly():
    address = f"tcp://127.0.0.1:{_closed_port()}"
    before = copy.deepcopy(dask.config.config)
    start = time.monotonic()
    with pytest.raises(ClusterConnectionError) as info, connect(scheduler=address, timeout=2):
        pass
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert address in message and "cannot reach" in message
    assert isinstance(info.value, SmStatusError) and isinstance(info.value, ConnectionError)
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained trace
    assert dask.config.config == before


@pytest.mark.parametrize("address", ["not an address", "http//x:1"])
def test_a_malformed_address_is_a_clear_error(address):
    with (
        pytest.raises(ClusterConnectionError, match="scheduler"),
        connect(scheduler=address, timeout=5),
    ):
        pass


def test_workers_with_a_scheduler_is_refused():
    with (
        pytest.raises(ValueError, match="running scheduler"),
        connect(scheduler="tcp://127.0.0.1:8786", workers=2),
    ):
        pass
    with pytest.raises(ValueError, match="at least 1"), connect(workers=0):
        pass


def test_a_local_cluster_that_cannot_start_is_a_clear_error(monkeypatch):
    def fail(**options):
        raise RuntimeError("Nanny failed to start.\nmore lines")

    monkeypatch.setattr(distributed, "LocalCluster", fail)
    expected = r"^cannot start a local Dask cluster of 1 worker process: Nanny failed to start\.;"
    with pytest.raises(ClusterConnectionError, match=expected), connect(workers=1):
        pass


@pytest.fixture
def silent_port():
    """A port of 127.0.0.1 that accepts connections and never answers (a dashboard, another
    service): distributed's own client waits on it for ever."""
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_port_that_never_answers_is_a_clear_error_in_time(silent_port):
    started = time.perf_counter()
    with (
        pytest.raises(ClusterConnectionError, match="cannot reach the Dask scheduler") as info,
        connect(scheduler=f"tcp://127.0.0.1:{silent_port}", timeout=2),
    ):
        pytest.fail("the block ran without a client")
    assert time.perf_counter() - started < 15
    assert "8786" in str(info.value) and len(str(info.value).splitlines()) == 1


def test_a_worker_s_address_is_not_taken_for_a_scheduler(local):
    client, _ = local
    worker = next(iter(client.scheduler_info()["workers"]))
    with (
        pytest.raises(ClusterConnectionError, match="not as a Dask scheduler"),
        connect(scheduler=worker, timeout=5),
    ):
        pytest.fail("the block ran without a client")


def _cluster_without_workers() -> distributed.LocalCluster:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "port 8787 in use": another cluster on the machine
        return distributed.LocalCluster(
            n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1"
        )


def test_a_scheduler_without_workers_is_a_clear_error_in_time():
    with (
        _cluster_without_workers() as empty,
        pytest.raises(ClusterConnectionError, match="has no worker") as info,
        connect(scheduler=empty.scheduler_address, timeout=2),
    ):
        pytest.fail("the block ran without a client")
    assert "dask worker" in str(info.value)


def test_a_tls_scheduler_without_certificates_says_so(silent_port):
    before = (dask.config.get("scheduler", None), _get_global_client())
    with (
        pytest.raises(ClusterConnectionError, match="needs TLS certificates") as info,
        connect(scheduler=f"tls://127.0.0.1:{silent_port}", timeout=2),
    ):
        pytest.fail("the block ran without a client")
    assert "DASK_DISTRIBUTED__COMM__TLS__CA_FILE" in str(info.value)
    # the failed client had made itself Dask's scheduler: closed, it undid that
    assert (dask.config.get("scheduler", None), _get_global_client()) == before
