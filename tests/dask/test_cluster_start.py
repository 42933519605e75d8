"""connect(): a local cluster or client that does not start is one ClusterConnectionError (exit 2
on the command line), with what had started closed; errors inside the block pass untouched."""

from __future__ import annotations

import copy
import json
import multiprocessing
import socket
import threading

import pytest

pytest.importorskip("distributed")

import distributed
from distributed.client import _get_global_client
from distributed.core import CommClosedError

try:  # distributed 2025.9+; older releases raise a plain TimeoutError with these words
    from distributed.exceptions import WorkerStartTimeoutError
except ImportError:  # pragma: no cover - the oldest stack

    def WorkerStartTimeoutError(arrived: int, wanted: int, timeout: float) -> TimeoutError:
        return TimeoutError(f"Only {arrived}/{wanted} workers arrived after {timeout}")


import dask
import smstatus
from smstatus.cli import main
from smstatus.dask.cluster import connect
from smstatus.errors import ClusterConnectionError


def _chained(outer: Exception, inner: Exception) -> Exception:
    """``outer`` raised from ``inner``, as distributed chains a nanny's failure."""
    try:
        raise outer from inner
    except Exception as exc:
        return exc


# what LocalCluster and Client raise when they do not start (read in distributed's deploy/spec,
# nanny, core and utils): each with the words of its reason the message must carry
START_FAILURES = [
    pytest.param(AssertionError(), "internal check of distributed", id="io-loop-assertion"),
    pytest.param(TimeoutError("Nanny start timed out after 10s."), "timed out", id="timeout"),
    pytest.param(TimeoutError(), "timed out", id="bare-timeout"),
    pytest.param(
        WorkerStartTimeoutError(1, 2, 10.0), "Only 1/2 workers arrived", id="workers-timeout"
    ),
    pytest.param(OSError(98, "Address already in use"), "Address already in use", id="port"),
    pytest.param(OSError(12, "Cannot allocate memory"), "allocate memory", id="spawn"),
    pytest.param(CommClosedError("in <TCP>: Stream is closed"), "Stream is closed", id="comm"),
    pytest.param(
        _chained(RuntimeError("Nanny failed to start."), OSError("no free port")),
        "Nanny failed to start. (no free port)",
        id="nanny",
    ),
]


def _raising(error: Exception):
    def construct(*args, **kwargs):
        raise error

    return construct


class FakeCluster:
    """Stands for a started LocalCluster: records that it was closed."""

    instances: list[FakeCluster]

    def __init__(self, **options):
        self.closed = False
        self.scheduler_address = "tcp://127.0.0.1:1"
        FakeCluster.instances.append(self)

    def close(self, timeout=None):
        self.closed = True


class FakeClient:
    """Stands for a connected Client; ``fail_close`` makes its close() fail."""

    instances: list[FakeClient]
    fail_close = False

    def __init__(self, address, **options):
        self.closed = False
        FakeClient.instances.append(self)

    def close(self, timeout=None):
        self.closed = True
        if self.fail_close:
            raise OSError("the scheduler went away while closing")


@pytest.fixture
def fakes(monkeypatch):
    """LocalCluster and Client replaced by stand-ins that start at once."""
    monkeypatch.setattr(FakeCluster, "instances", [], raising=False)
    monkeypatch.setattr(FakeClient, "instances", [], raising=False)
    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    monkeypatch.setattr(distributed, "Client", FakeClient)
    return FakeCluster.instances, FakeClient.instances


def _assert_one_clear_line(error: ClusterConnectionError, *words: str) -> None:
    message = str(error)
    assert len(message.splitlines()) == 1
    for word in words:
        assert word in message
    assert "fewer workers" in message and "again" in message  # what to try
    assert error.__cause__ is None and error.__suppress_context__  # no chained traceback


@pytest.mark.parametrize(("error", "reason"), START_FAILURES)
def test_a_local_cluster_that_does_not_start_is_one_clear_error(monkeypatch, error, reason):
    monkeypatch.setattr(distributed, "LocalCluster", _raising(error))
    before, default_before = copy.deepcopy(dask.config.config), _get_global_client()
    with pytest.raises(ClusterConnectionError) as info, connect(workers=3, memory_limit="2GB"):
        pytest.fail("the block ran without a cluster")
    _assert_one_clear_line(
        info.value, "cannot start a local Dask cluster of 3 worker processes of 2GB each", reason
    )
    assert dask.config.config == before
    assert _get_global_client() is default_before


@pytest.mark.parametrize(("error", "reason"), START_FAILURES)
def test_a_client_that_cannot_connect_to_the_local_cluster_closes_it(
    fakes, monkeypatch, error, reason
):
    clusters, _ = fakes
    monkeypatch.setattr(distributed, "Client", _raising(error))
    with pytest.raises(ClusterConnectionError) as info, connect(workers=2, timeout=4):
        pytest.fail("the block ran without a client")
    _assert_one_clear_line(
        info.value, "cannot connect to the local Dask cluster within 4 s", reason
    )
    assert [c.closed for c in clusters] == [True]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RuntimeError("scheduler and client versions differ"), "versions differ"),
        (AssertionError(), "internal check of distributed"),
        (OSError("Connection refused"), "cannot reach the Dask scheduler at tcp://127.0.0.1:8786"),
    ],
)
def test_a_client_that_does_not_start_on_a_scheduler_is_one_clear_error(
    monkeypatch, error, expected
):
    from smstatus.dask import cluster

    monkeypatch.setattr(cluster, "_ask_scheduler", lambda address, timeout: None)
    monkeypatch.setattr(distributed, "Client", _raising(error))
    with (
        pytest.raises(
            ClusterConnectionError, match=r"scheduler at tcp://127\.0\.0\.1:8786"
        ) as info,
        connect(scheduler="tcp://127.0.0.1:8786"),
    ):
        pytest.fail("the block ran without a client")
    assert expected in str(info.value) and len(str(info.value).splitlines()) == 1
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize(
    "error",
    [
        OSError("the user's file is gone"),
        TimeoutError("the user's own wait"),
        RuntimeError("the user's bug"),
        AssertionError("the user's check"),
        ClusterConnectionError("a nested connect of the user's"),
    ],
)
def test_an_error_inside_the_block_leaves_it_as_it_is(fakes, monkeypatch, error):
    clusters, clients = fakes
    monkeypatch.setattr(FakeClient, "fail_close", True)  # and closing fails too
    with pytest.raises(type(error)) as info, connect(workers=2):
        raise error
    assert info.value is error
    assert [c.closed for c in clusters] == [True] and [c.closed for c in clients] == [True]


def test_a_block_that_ends_well_closes_the_client_then_the_cluster(fakes):
    clusters, clients = fakes
    with connect(workers=2) as client:
        assert client is clients[0] and not clusters[0].closed
    assert clients[0].closed and clusters[0].closed


def _io_loops() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "IO loop" and t.is_alive()}


def test_a_scheduler_that_does_not_start_leaves_no_event_loop_running(monkeypatch):
    """distributed closes its scheduler but keeps the cluster's event loop thread running."""

    async def fail(self):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(distributed.Scheduler, "start_unsafe", fail)
    loops = _io_loops()
    with pytest.raises(ClusterConnectionError) as info, connect(workers=1):
        pytest.fail("the block ran without a cluster")
    _assert_one_clear_line(info.value, "Scheduler failed to start", "Address already in use")
    assert _io_loops() <= loops


def test_a_worker_that_does_not_start_leaves_no_process_nor_loop(monkeypatch):
    """The first worker starts (a process), the second fails: both are gone after the error."""
    start = distributed.Nanny.start_unsafe
    calls = []

    async def second_fails(self):
        calls.append(self)
        if len(calls) == 2:
            raise OSError("no free port")
        return await start(self)

    monkeypatch.setattr(distributed.Nanny, "start_unsafe", second_fails)
    loops, children = _io_loops(), set(multiprocessing.active_children())
    with pytest.raises(ClusterConnectionError) as info, connect(workers=2, memory_limit="1GB"):
        pytest.fail("the block ran without a cluster")
    _assert_one_clear_line(info.value, "Nanny failed to start. (no free port)")
    assert len(calls) == 2
    assert set(multiprocessing.active_children()) <= children
    assert _io_loops() <= loops


def test_an_unreachable_scheduler_leaves_no_event_loop_running():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    loops = _io_loops()
    with (
        pytest.raises(ClusterConnectionError, match="cannot reach"),
        connect(scheduler=f"tcp://127.0.0.1:{port}", timeout=1),
    ):
        pytest.fail("the block ran without a client")
    assert _io_loops() <= loops


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    path = tmp_path_factory.mktemp("start-fleet") / "fleet.jsonl"
    records = smstatus.simulate(8, seed=5)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize(("error", "reason"), START_FAILURES)
@pytest.mark.parametrize("command", ["validate", "stats"])
def test_the_cli_says_so_in_one_line_and_exits_2(
    capsys, monkeypatch, fleet, command, error, reason
):
    monkeypatch.setattr(distributed, "LocalCluster", _raising(error))
    code = main([command, str(fleet), "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert lines[0].startswith(f"smstatus {command}: cannot start a local Dask cluster of 2 ")
    assert reason in lines[0] and "fewer workers" in lines[0]


@pytest.mark.parametrize(
    "error", [AssertionError(), RuntimeError("IOLoop is closed"), OSError("refused")]
)
def test_the_cli_says_so_when_the_client_of_its_cluster_fails(
    capsys, fakes, fleet, monkeypatch, error
):
    clusters, _ = fakes
    monkeypatch.setattr(distributed, "Client", _raising(error))
    code = main(["validate", str(fleet), "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "cannot connect to the local Dask cluster" in err
    assert [c.closed for c in clusters] == [True]
