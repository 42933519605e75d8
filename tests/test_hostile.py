"""Hostile inputs and faults: every command over every file of ``tests/hostile-corpus``.

The rule has no exceptions: no input, option or fault ends in a traceback; each bad record is
one named reject and the good records load; exit 0 good, 1 data needs attention (any reject),
2 could not run. ``tests/hostile-corpus/README.md`` lists each file and the outcome it must give.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import smstatus
from smstatus.cli import main
from smstatus.errors import SmStatusError

BAD = Path(__file__).parent / "hostile-corpus"
GOOD = Path(__file__).parent / "data" / "describe"
MANIFEST: dict[str, dict] = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
INPUT_CASES = [name for name, c in MANIFEST.items() if c["source"] != "machine"]
MACHINE_CASES = [name for name, c in MANIFEST.items() if c["source"] == "machine"]
COMMANDS = ("validate", "stats", "gantt", "report", "convert", "diagram")
CHEAP_COMMANDS = ("validate", "stats", "convert")
"""Run over every corpus file; the commands that draw (gantt, report, diagram) take a second
or more each, so they run over one file of each class (the first in the manifest)."""
_FIRST_OF_CLASS = {MANIFEST[name]["klass"]: name for name in reversed(INPUT_CASES)}
ONE_PER_CLASS = [name for name in INPUT_CASES if name in _FIRST_OF_CLASS.values()]
EXPANSION_LIMIT = 1 << 20
"""The gzip expansion limit the tests set (the bomb expands to 32 MiB)."""
RAW_CONTROLS = ("\x1b", "\x9b", "\x07", "\r")


def _argv(command: str, inputs: list[str], out: Path, options: list[str]) -> list[str]:
    target = {
        "gantt": ["-o", str(out / "gantt.png")],
        "report": ["-o", str(out / "report"), "--no-progress"],
        "convert": ["-o", str(out / "table.csv")],
        "diagram": ["-o", str(out / "machine.png")],
    }.get(command, [])
    return [command, *inputs, *target, *options]


def _case_options(case: dict) -> list[str]:
    source = [] if case["source"] == "auto" else ["--source", case["source"]]
    return [*case["options"], *source]


@pytest.fixture(autouse=True)
def _expansion_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower the gzip expansion limit so that the small bomb proves it."""
    import smstatus.io.inputs

    monkeypatch.setattr(smstatus.io.inputs, "MAX_EXPANDED_BYTES", EXPANSION_LIMIT, raising=False)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``main(argv)`` in-process: the exit code, stdout and stderr.

    An exception out of ``main`` is a traceback the user would see: the test fails on it.
    """
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_outcome(code: int, out: str, err: str, *, want: int, name: str) -> None:
    """The exit code, the file named on stderr when something is wrong, no traceback."""
    assert "Traceback" not in out + err, err
    assert code == want, f"exit {code}, want {want}; stderr: {err[-2000:]}"
    if want:
        assert name in err, f"stderr does not name {name}: {err[-2000:]}"


# -- every command over every corpus file -------------------------------------------------------


COMMAND_CASES = [
    *((name, command) for name in INPUT_CASES for command in CHEAP_COMMANDS),
    *(
        (name, command)
        for name in ONE_PER_CLASS
        for command in COMMANDS
        if command not in CHEAP_COMMANDS
    ),
]


@pytest.mark.parametrize(("name", "command"), COMMAND_CASES)
def test_command_on_corpus_file(
    name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = MANIFEST[name]
    argv = _argv(command, [str(BAD / name)], tmp_path, _case_options(case))
    code, out, err = run_cli(argv, capsys)
    check_outcome(code, out, err, want=case["exit"], name=name)
    for char in RAW_CONTROLS:
        assert char not in out + err, f"raw {char!r} printed"


@pytest.mark.parametrize("name", INPUT_CASES)
def test_corpus_file_beside_a_good_file(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Beside a good file, any bad file makes the data need attention (1), never 2.

    The source is detected (a ``--source`` for the bad file would apply to the good one too).
    """
    case = MANIFEST[name]
    argv = _argv("validate", [str(GOOD), str(BAD / name)], tmp_path, case["options"])
    code, out, err = run_cli(argv, capsys)
    check_outcome(code, out, err, want=min(case["exit"], 1), name=name if case["exit"] else "")


@pytest.mark.parametrize("name", INPUT_CASES)
def test_corpus_file_loads_its_good_records(name: str) -> None:
    case = MANIFEST[name]
    kwargs = {"source": case["source"]}
    if case["options"]:
        kwargs["naive_tz"] = case["options"][1]
    history = smstatus.load(BAD / name, errors="collect", **kwargs)
    assert history.n_jobs == case["good_jobs"]
    rejects = history.unparsed
    assert (len(rejects) > 0) == (case["exit"] > 0), rejects
    if case["exit"]:
        assert rejects["file"].astype(str).str.contains(name, regex=False).all(), rejects
        assert rejects["reason"].notna().all()


@pytest.mark.parametrize("name", INPUT_CASES)
def test_corpus_file_raises_only_smstatus_errors(name: str) -> None:
    case = MANIFEST[name]
    kwargs = {"source": case["source"]}
    if case["options"]:
        kwargs["naive_tz"] = case["options"][1]
    if case["exit"] == 0:
        assert smstatus.load(BAD / name, errors="raise", **kwargs).n_jobs == case["good_jobs"]
        return
    with pytest.raises(SmStatusError) as info:
        smstatus.load(BAD / name, errors="raise", **kwargs)
    assert name in str(info.value)


@pytest.mark.parametrize("command", ["validate", "report", "diagram", "diagram-png"])
@pytest.mark.parametrize("name", MACHINE_CASES)
def test_bad_machine_file(
    name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = ["--machine", str(BAD / name)]
    if command == "diagram":
        argv = ["diagram", *machine]
    elif command == "diagram-png":
        argv = ["diagram", str(GOOD), "-o", str(tmp_path / "m.png"), *machine]
    else:
        argv = _argv(command, [str(GOOD)], tmp_path, machine)
    code, out, err = run_cli(argv, capsys)
    check_outcome(code, out, err, want=2, name=name)


def test_lowercase_z_reads_as_upper_case_z() -> None:
    history = smstatus.load(BAD / "lowercase-z.jsonl", errors="collect")
    t = history.transitions
    first = t[t.job_name == "good-1"].start_time.reset_index(drop=True)
    lower = t[t.job_name == "lowercase-z"].start_time.reset_index(drop=True)
    assert len(lower) == len(first) and (lower == first).all()


def test_dst_repeated_hour_keeps_the_log_in_order() -> None:
    history = smstatus.load(BAD / "dst-repeated-hour.log", naive_tz="Europe/Berlin")
    starts = history.transitions.start_time
    assert starts.is_monotonic_increasing
    # 02:10 CEST (00:10 UTC) .. 02:20 CET (01:20 UTC): the hour is read twice, in order
    assert starts.iloc[0].isoformat() == "2023-10-29T00:10:00+00:00"
    assert starts.iloc[2].isoformat() == "2023-10-29T01:20:00+00:00"


# -- faults built at test time: FIFOs, loops, unreadable files, bad options ---------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_file(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """chmod 000 cannot stop root: open() of that path raises PermissionError instead."""
    target = tmp_path / "secret.jsonl"
    target.write_bytes((GOOD / "desc-xgb-20250516.json").read_bytes())
    _deny_open(monkeypatch, target)
    argv = _argv(command, [str(GOOD), str(target)], tmp_path, [])
    code, out, err = run_cli(argv, capsys)
    check_outcome(code, out, err, want=1, name="secret.jsonl")
    code, out, err = run_cli(_argv(command, [str(target)], tmp_path, []), capsys)
    check_outcome(code, out, err, want=2, name="secret.jsonl")


def _deny_open(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    real_open = builtins.open

    def guarded(file: object, *args: object, **kwargs: object) -> object:
        if isinstance(file, str | os.PathLike) and Path(file).resolve() == target.resolve():
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)


@pytest.fixture
def loop_folder(tmp_path: Path) -> Path:
    """A folder with a good file, a link to itself and two links that point at each other."""
    folder = tmp_path / "loops"
    folder.mkdir()
    (folder / "good.json").write_bytes((GOOD / "desc-xgb-20250516.json").read_bytes())
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "a.json").symlink_to(folder / "b.json")
    (folder / "b.json").symlink_to(folder / "a.json")
    return folder


@pytest.mark.parametrize("command", COMMANDS)
def test_symlink_loops(
    command: str, loop_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(_argv(command, [str(loop_folder)], tmp_path, []), capsys)
    check_outcome(code, out, err, want=1, name="a.json")
    history = smstatus.load(loop_folder, errors="collect")
    assert history.n_jobs == 1


def test_symlink_loop_given_by_name(
    loop_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(_argv("validate", [str(loop_folder / "a.json")], tmp_path, []), capsys)
    check_outcome(code, out, err, want=2, name="a.json")


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe fed with a good and a truncated record, as bash's ``<(...)`` gives."""
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    data = (BAD / "truncated-line.jsonl").read_bytes()

    def feed() -> None:
        with open(path, "wb") as fh:  # blocks until a reader opens the pipe
            fh.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    yield path
    if writer.is_alive():  # nobody read it: open the read end so the writer ends
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        writer.join(5)
        os.close(fd)


def test_fifo_input_is_read(fifo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(_argv("validate", [str(fifo)], tmp_path, []), capsys)
    check_outcome(code, out, err, want=1, name="pipe.jsonl")


@pytest.mark.parametrize("command", ["validate", "report", "diagram"])
def test_machine_file_that_is_a_directory(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "machine.json"
    folder.mkdir()
    inputs = [] if command == "diagram" else [str(GOOD)]
    argv = _argv(command, inputs, tmp_path, ["--machine", str(folder)])
    if command == "diagram":
        argv = ["diagram", "--machine", str(folder)]
    code, out, err = run_cli(argv, capsys)
    check_outcome(code, out, err, want=2, name="machine.json")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("zone", ["Not/AZone", "", "../../etc/passwd", "UTC\x00"])
def test_tz_that_is_no_zone(
    command: str, zone: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _argv(command, [str(GOOD)], tmp_path, ["--tz", zone])
    code, out, err = run_cli(argv, capsys)
    check_outcome(code, out, err, want=2, name="--tz")


# -- a real process: nothing leaks past main() --------------------------------------------------

SUBPROCESS_CASES = (
    "deep-nesting.jsonl",
    "lone-surrogate.jsonl",
    "gzip-magic-only.json.gz",
    "binary.bin",
    "huge-numbers.jsonl",
    "control-characters.jsonl",
)


def _smstatus(*argv: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "smstatus", *argv],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_subprocess_validate(name: str) -> None:
    case = MANIFEST[name]
    proc = _smstatus("validate", str(BAD / name), *_case_options(case))
    err = proc.stderr.decode("utf-8", errors="replace")
    assert b"Traceback" not in proc.stdout + proc.stderr, err
    assert proc.returncode == case["exit"], err
    for char in RAW_CONTROLS:
        assert char.encode() not in proc.stdout + proc.stderr


NOBODY = 65534


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder every user may enter (pytest's tmp_path is private to its owner)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="smstatus-hostile-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def as_user(uid: int, fn: Callable[[], int]) -> int:
    """Run ``fn`` in a thread whose file-system user is ``uid``.

    Linux keeps the file-system uid per thread; moving it off 0 drops root's right to read
    any file, so chmod 000 applies as it does to a user, while the rest of the process stays
    root (tests run as root here).
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    result: dict[str, object] = {}

    def target() -> None:
        libc.setfsgid(uid)
        libc.setfsuid(uid)
        try:
            result["code"] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc
        finally:
            libc.setfsuid(0)
            libc.setfsgid(0)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return int(result["code"])  # type: ignore[call-overload]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="setfsuid is Linux")
@pytest.mark.parametrize("what", ["file", "directory"])
def test_unreadable_for_a_real_user(
    what: str, open_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """chmod 000 as seen by a user it applies to."""
    tmp_path = open_tmp
    good = tmp_path / "good.json"
    good.write_bytes((GOOD / "desc-xgb-20250516.json").read_bytes())
    if what == "file":
        secret = tmp_path / "secret.json"
        secret.write_bytes(good.read_bytes())
    else:
        secret = tmp_path / "secret"
        secret.mkdir()
        (secret / "inner.json").write_bytes(good.read_bytes())
    secret.chmod(0o000)
    uid = NOBODY if os.geteuid() == 0 else os.geteuid()
    run_cli(["validate", str(good)], capsys)  # imports done before the user changes
    for inputs, want in (([str(good), str(secret)], 1), ([str(secret)], 2)):
        code = as_user(uid, lambda inputs=inputs: main(["validate", *inputs]))
        captured = capsys.readouterr()
        check_outcome(code, captured.out, captured.err, want=want, name="secret")


# -- the corpus itself ----------------------------------------------------------------------------


def test_corpus_is_what_make_corpus_writes(tmp_path: Path) -> None:
    """The committed files equal a fresh run of make_corpus.py (Parquet: by content)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    module.write_all(tmp_path)
    fresh = {p.name for p in tmp_path.iterdir()}
    committed = {p.name for p in BAD.iterdir() if p.name != "make_corpus.py"}
    assert fresh == committed - {"__pycache__"}
    for name in fresh:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            # by value: older pyarrow orders a struct's fields otherwise
            fresh_rows = pq.read_table(tmp_path / name).to_pylist()
            assert fresh_rows == pq.read_table(BAD / name).to_pylist(), name
        else:
            assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), name
