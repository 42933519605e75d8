"""Write the hostile-input corpus of this folder, deterministically.

Run ``python tests/hostile-corpus/make_corpus.py`` to (re)write every corpus file, ``manifest.json``
(what the tests read) and ``README.md`` (what people read). Running it twice gives the same
bytes; ``tests/test_hostile.py`` checks the committed files equal a fresh run.

Each case names its class, what is wrong, the outcome the loaders must give, how many jobs
must load from it (``good_jobs``), and the exit code every command must return on it alone.
Cases that cannot live in git (symlink loops, FIFOs, unreadable files) are built by fixtures
of the tests and listed in the README only.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).parent

BOMB_EXPANDED_BYTES = 32 * 1024 * 1024
"""The gzip bomb expands to this many bytes (about 32 KB on disk, a ratio near 1000:1): enough to
prove a limit that a test lowers to 1 MiB, small enough to load today without harm."""

DEEP = 20_000
"""Nesting depth of the deep JSON records: far past Python's recursion limit (1000) and any
real response (a describe response nests 4 levels)."""


@dataclass
class Case:
    """One corpus file and the outcome it must give."""

    file: str
    klass: str
    wrong: str
    outcome: str
    good_jobs: int
    exit: int
    source: str = "auto"
    options: list[str] = field(default_factory=list)
    """Extra command-line options the case needs (``--tz``...)."""


CASES: list[Case] = []
_OUT: dict[str, bytes] = {}


def _add(case: Case, data: bytes) -> None:
    CASES.append(case)
    _OUT[case.file] = data


# -- good records -----------------------------------------------------------------------------

_STATUSES = ("Starting", "Downloading", "Training", "Uploading", "Completed")


def _entries(base: str = "2025-05-16T11:{m:02d}:00Z") -> list[dict[str, str]]:
    out = []
    for i, status in enumerate(_STATUSES):
        last = i == len(_STATUSES) - 1
        start = base.format(m=10 + 2 * i)
        end = start if last else base.format(m=12 + 2 * i)
        out.append({"Status": status, "StartTime": start, "EndTime": end, "StatusMessage": "ok"})
    return out


def good_record(name: str, **extra: object) -> dict[str, object]:
    """A complete, valid describe response of a completed job."""
    record: dict[str, object] = {
        "TrainingJobName": name,
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "TrainingTimeInSeconds": 600,
        "BillableTimeInSeconds": 600,
        "SecondaryStatusTransitions": _entries(),
    }
    record.update(extra)
    return record


def line(record: object) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def jsonl(*records: object) -> bytes:
    return b"".join(line(r) for r in records)


# -- structure --------------------------------------------------------------------------------


def structure() -> None:
    deep = b'{"TrainingJobName":"deep","X":' + b"[" * DEEP + b"]" * DEEP + b"}\n"
    _add(
        Case(
            "deep-nesting.jsonl",
            "structure",
            f"line 2 nests {DEEP} lists deep (recursion)",
            "line 2 is one reject (too deeply nested); the job of line 1 loads",
            1,
            1,
        ),
        line(good_record("good-1")) + deep,
    )
    _add(
        Case(
            "deep-nesting-document.json",
            "structure",
            f"one JSON document nested {DEEP} lists deep; detection parses it too",
            "one reject naming the file; nothing loads",
            0,
            2,
        ),
        b"[" * DEEP + b"]" * DEEP + b"\n",
    )
    surrogate_message = good_record("surrogate-message")
    surrogate_name = good_record("good-2")
    body = (
        line(good_record("good-1"))
        + line(surrogate_message).replace(b'"StatusMessage":"ok"', b'"StatusMessage":"\\ud800"', 1)
        + line(surrogate_name).replace(b'"good-2"', b'"bad-\\udfff-name"', 1)
    )
    _add(
        Case(
            "lone-surrogate.jsonl",
            "structure",
            "line 2 has a lone surrogate (\\ud800) in a StatusMessage, line 3 one in the "
            "TrainingJobName: valid JSON, not encodable as UTF-8",
            "lines 2 and 3 are rejects naming the field; the job of line 1 loads",
            1,
            1,
        ),
        body,
    )
    rng = random.Random(6)
    records = [
        good_record(f"gz-{i}", FailureReason="".join(rng.choices("abcdefghij", k=3000)))
        for i in range(3)
    ]
    whole = gzip.compress(jsonl(*records), mtime=0)
    cut = whole[: len(whole) * 2 // 3]
    complete = _complete_lines(cut)
    _add(
        Case(
            "truncated.jsonl.gz",
            "structure",
            "a gzip of 3 JSON Lines records cut at two thirds of its compressed bytes",
            f"the {complete} record(s) decompressed whole before the cut load; one reject says "
            "the gzip stream ends early",
            complete,
            1,
        ),
        cut,
    )
    _add(
        Case(
            "gzip-magic-only.json.gz",
            "structure",
            "starts with the gzip magic (1f 8b) and is not gzip",
            "one reject naming the file (not a gzip stream); nothing loads",
            0,
            2,
        ),
        b"\x1f\x8bthis is not a gzip stream\n",
    )
    bomb_record = good_record("bomb", FailureReason="A" * BOMB_EXPANDED_BYTES)
    _add(
        Case(
            "gzip-bomb.jsonl.gz",
            "structure",
            f"line 2 expands to {BOMB_EXPANDED_BYTES >> 20} MiB from a few KB (gzip bomb)",
            "with the expansion limit lowered to 1 MiB (the test does): the job of line 1 "
            "loads, one reject names the file and the limit",
            1,
            1,
        ),
        gzip.compress(jsonl(good_record("good-1"), bomb_record), compresslevel=9, mtime=0),
    )


def _complete_lines(cut: bytes) -> int:
    """How many whole lines a streaming reader gets out of a cut gzip stream."""
    data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
    return data.count(b"\n")


# -- numbers ----------------------------------------------------------------------------------


def numbers() -> None:
    big = 2**70
    recs = [
        good_record("good-1"),
        good_record("count-past-int64", ResourceConfig={"InstanceType": "x", "InstanceCount": big}),
        good_record("runtime-1e20", StoppingCondition={"MaxRuntimeInSeconds": 1e20}),
        good_record("training-seconds-past-int64", TrainingTimeInSeconds=big),
        good_record("billable-1e400", BillableTimeInSeconds=1e300),
    ]
    body = jsonl(*recs).replace(b"1e+300", b"1e400")  # json reads 1e400 as inf
    _add(
        Case(
            "huge-numbers.jsonl",
            "numbers",
            "InstanceCount 2**70 (line 2), MaxRuntimeInSeconds 1e20 (3), TrainingTimeInSeconds "
            "2**70 (4), BillableTimeInSeconds 1e400 = inf (5)",
            "lines 2-5 are rejects naming the field (past int64, or not finite); the job of "
            "line 1 loads",
            1,
            1,
        ),
        body,
    )
    _add(
        Case(
            "huge-seconds.log",
            "numbers",
            "an SDK log whose 'Training seconds:' line holds a number past int64",
            "that line is one reject (field training_time_s); the job loads from its status lines",
            1,
            1,
        ),
        _sdk_log("huge-seconds")
        + b"Training seconds: 123456789012345678901234567890\nBillable seconds: 600\n",
    )


def _sdk_log(name: str, times: list[str] | None = None) -> bytes:
    times = times or [f"2024-03-08 08:{m:02d}:00" for m in (5, 7, 9, 11, 12)]
    messages = ("Starting the training job", "Downloading input data", "Training in progress")
    lines = [f"Creating training-job with name: {name}"]
    ends = (*messages, "Uploading", "Training job completed")
    for t, s, m in zip(times, _STATUSES, ends, strict=True):
        lines.append(f"{t} {s} - {m}...")
    return ("\n".join(lines) + "\n").encode()


# -- files and tables -------------------------------------------------------------------------


def files() -> None:
    rng = random.Random(60)
    _add(
        Case(
            "binary.bin",
            "files",
            "4 KB of random bytes read with --source table",
            "one reject naming the file (not a CSV or Parquet table); nothing loads",
            0,
            2,
            source="table",
        ),
        bytes(rng.randrange(256) for _ in range(4096)),
    )


_HEADER = "job_name,step,status,start_time,end_time,status_message\n"


def _table_rows(job: str, day: int = 16) -> str:
    rows = []
    for i, s in enumerate(_STATUSES):
        start = f"2025-05-{day}T11:{10 + 2 * i:02d}:00Z"
        end = start if i == 4 else f"2025-05-{day}T11:{12 + 2 * i:02d}:00Z"
        rows.append(f"{job},{i},{s},{start},{end},ok\n")
    return "".join(rows)


def tables() -> None:
    _add(
        Case(
            "duplicate-columns.csv",
            "tables",
            "the header names 'status' twice",
            "one reject naming the file and the column; nothing loads",
            0,
            2,
        ),
        (
            b"job_name,step,status,status,start_time,end_time\n"
            b"a,0,Starting,Training,2025-05-16T11:10:00Z,2025-05-16T11:12:00Z\n"
        ),
    )
    _add(
        Case(
            "timestamps-out-of-range.csv",
            "tables",
            "job 'far' has start times 9999-12-31 and 0001-01-01 (outside pandas' ns range)",
            "job 'far' is rejected (field start_time, out of range); job 'good-1' loads",
            1,
            1,
        ),
        (
            _HEADER
            + _table_rows("good-1")
            + "far,0,Starting,9999-12-31T00:00:00Z,,ok\n"
            + "far,1,Training,0001-01-01T00:00:00Z,,ok\n"
        ).encode(),
    )
    _add(
        Case(
            "unterminated-quote.csv",
            "tables",
            "the last row opens a quoted status_message and never closes it",
            "the last row is one reject (its line); jobs 'good-1' and 'good-2' load",
            2,
            1,
        ),
        (
            _HEADER
            + _table_rows("good-1")
            + _table_rows("good-2", day=17)
            + 'cut,0,Starting,2025-05-18T11:10:00Z,,"never closed, the file ends here\n'
        ).encode(),
    )
    _add(
        Case(
            "parquet-binary-column.parquet",
            "tables",
            "the status column is Arrow binary (as Spark writes strings without the UTF8 "
            "annotation); job 'bad-bytes' holds bytes that are not UTF-8 (ff fe)",
            "binary columns are read as UTF-8 text: job 'good-1' loads; job 'bad-bytes' is one "
            "reject (field status, not UTF-8)",
            1,
            1,
        ),
        _parquet("binary"),
    )
    for kind, wrong in (
        ("list", "the status_message column is an Arrow list<string>"),
        ("struct", "the start_time column is an Arrow struct"),
    ):
        _add(
            Case(
                f"parquet-{kind}-column.parquet",
                "tables",
                wrong,
                "one reject naming the file, the column and its type; nothing loads",
                0,
                2,
            ),
            _parquet(kind),
        )
    _add(
        Case(
            "parquet-timestamps-out-of-range.parquet",
            "tables",
            "job 'far' has a timestamp[us] start of 9999-12-31 (past int64 nanoseconds)",
            "job 'far' is rejected (field start_time, out of range); job 'good-1' loads",
            1,
            1,
        ),
        _parquet("range"),
    )


def _parquet(kind: str) -> bytes:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(_STATUSES)
    t0 = dt.datetime(2025, 5, 16, 11, 10, tzinfo=dt.UTC)
    starts = [t0 + dt.timedelta(minutes=2 * i) for i in range(n)]
    cols: dict[str, pa.Array] = {
        "job_name": pa.array(["good-1"] * n),
        "step": pa.array(range(n), pa.int64()),
        "status": pa.array(list(_STATUSES)),
        "start_time": pa.array(starts, pa.timestamp("us", tz="UTC")),
        "end_time": pa.array([*starts[1:], starts[-1]], pa.timestamp("us", tz="UTC")),
        "status_message": pa.array(["ok"] * n),
    }
    if kind in ("binary", "range"):
        cols = {k: pa.concat_arrays([v, pa.array([v[0].as_py()], v.type)]) for k, v in cols.items()}
    if kind == "binary":
        cols["job_name"] = pa.array(["good-1"] * n + ["bad-bytes"])
        cols["status"] = pa.array([s.encode() for s in _STATUSES] + [b"\xff\xfe"], pa.binary())
    elif kind == "list":
        cols["status_message"] = pa.array([["ok", "x"]] * n, pa.list_(pa.string()))
    elif kind == "struct":
        cols["start_time"] = pa.array([{"s": 1, "ns": 2}] * n)
    elif kind == "range":
        far = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
        cols["job_name"] = pa.array(["good-1"] * n + ["far"])
        cols["start_time"] = pa.array([*starts, far], pa.timestamp("us", tz="UTC"))
    sink = io.BytesIO()
    # no statistics and no created_by string: the bytes depend on the data only
    pq.write_table(pa.table(cols), sink, write_statistics=False, compression="none")
    return sink.getvalue()


# -- options, side files, time zones, text ------------------------------------------------------


def side_files() -> None:
    for name, wrong, data in (
        ("machine-not-object.json", "a JSON list, not an object", b"[1, 2, 3]\n"),
        (
            "machine-not-utf8.json",
            "Latin-1 bytes in a version string",
            b'{"version": "v1-\xe9t\xe9"}\n',
        ),
        (
            "machine-malformed-edge.json",
            "remove_edges holds a one-element pair ([['Starting']])",
            b'{"remove_edges": [["Starting"]]}\n',
        ),
        (
            "machine-malformed-add-edge.json",
            "add_edges holds a one-element edge ([['Starting']])",
            b'{"add_edges": [["Starting"]]}\n',
        ),
        (
            "machine-injected-status.json",
            "a status name with a newline and mermaid syntax (would inject lines into the diagram)",
            json.dumps(
                {
                    "add_statuses": [
                        {"name": "Evil\n  Starting --> Completed: pwned", "primary": "InProgress"}
                    ],
                    "add_edges": [
                        {
                            "source": "Evil\n  Starting --> Completed: pwned",
                            "dest": "Starting",
                            "basis": ["seen"],
                        }
                    ],
                }
            ).encode(),
        ),
    ):
        _add(
            Case(
                name,
                "side files",
                wrong,
                "a usage error naming the machine file (exit 2) for every command given it "
                "with --machine; for a status name: only plain identifiers are allowed",
                0,
                2,
                source="machine",
            ),
            data,
        )


def time_zones() -> None:
    rec = good_record("lowercase-z")
    body = line(good_record("good-1")) + line(rec).replace(b'Z"', b'z"')
    _add(
        Case(
            "lowercase-z.jsonl",
            "time zones",
            "line 2 writes UTC as a lowercase 'z' suffix (ISO-8601 allows it)",
            "both jobs load, with the same times as with 'Z'; exit 0",
            2,
            0,
        ),
        body,
    )
    _add(
        Case(
            "dst-repeated-hour.log",
            "time zones",
            "an SDK log whose poll times run through 02:00-03:00 of 2023-10-29 twice, read "
            "with --tz Europe/Berlin (the hour repeats when summer time ends)",
            "the job loads: each repeated time is read so that the log stays in order "
            "(first pass summer time, second pass winter time); exit 0",
            1,
            0,
            options=["--tz", "Europe/Berlin"],
        ),
        _sdk_log(
            "dst-repeated",
            [
                "2023-10-29 02:10:00",
                "2023-10-29 02:40:00",
                "2023-10-29 02:20:00",
                "2023-10-29 02:50:00",
                "2023-10-29 03:10:00",
            ],
        ),
    )
    _add(
        Case(
            "dst-skipped-hour.log",
            "time zones",
            "an SDK log with a poll at 02:30 of 2023-03-26, a time that does not exist in "
            "Europe/Berlin (clocks jump from 02:00 to 03:00), read with --tz Europe/Berlin",
            "that status line is one reject (field time: no such local time, is --tz right?); "
            "the job loads from its other lines",
            1,
            1,
            options=["--tz", "Europe/Berlin"],
        ),
        _sdk_log(
            "dst-skipped",
            [
                "2023-03-26 01:40:00",
                "2023-03-26 01:50:00",
                "2023-03-26 02:30:00",
                "2023-03-26 03:40:00",
                "2023-03-26 03:50:00",
            ],
        ),
    )


def text() -> None:
    good = line(good_record("good-1"))
    cases = (
        (
            "truncated-line.jsonl",
            "line 2 is cut in the middle (a half-written file)",
            good + line(good_record("cut"))[:90],
        ),
        (
            "wrong-types.jsonl",
            "Status is a number (2), StartTime a list (3), SecondaryStatusTransitions a string (4)",
            good
            + line(good_record("n", SecondaryStatusTransitions=[{"Status": 5, "StartTime": 1}]))
            + line(
                good_record(
                    "l", SecondaryStatusTransitions=[{"Status": "Starting", "StartTime": [1]}]
                )
            )
            + line(good_record("s", SecondaryStatusTransitions="Starting")),
        ),
        (
            "missing-keys.jsonl",
            "no TrainingJobName (2), an entry without Status (3), an entry without StartTime (4)",
            good
            + line({k: v for k, v in good_record("x").items() if k != "TrainingJobName"})
            + line(good_record("no-status", SecondaryStatusTransitions=[{"StartTime": 1}]))
            + line(good_record("no-start", SecondaryStatusTransitions=[{"Status": "Starting"}])),
        ),
        (
            "bad-timestamps.jsonl",
            "StartTime 'yesterday' (2), month 13 (3), a bool (4)",
            good
            + line(
                good_record(
                    "y",
                    SecondaryStatusTransitions=[{"Status": "Starting", "StartTime": "yesterday"}],
                )
            )
            + line(
                good_record(
                    "m13",
                    SecondaryStatusTransitions=[
                        {"Status": "Starting", "StartTime": "2024-13-45T00:00:00Z"}
                    ],
                )
            )
            + line(
                good_record(
                    "b", SecondaryStatusTransitions=[{"Status": "Starting", "StartTime": True}]
                )
            ),
        ),
        (
            "not-utf8.jsonl",
            "line 2 holds Latin-1 bytes (0xe9) inside a StatusMessage",
            good + line(good_record("latin1")).replace(b'"ok"', b'"caf\xe9"', 1),
        ),
        (
            "events-mixed.json",
            "EventBridge events: a good one, one whose detail is a string, one without detail",
            jsonl(
                {
                    "detail-type": "SageMaker Training Job State Change",
                    "detail": good_record("good-1"),
                },
                {"detail-type": "SageMaker Training Job State Change", "detail": "oops"},
                {"detail-type": "SageMaker Training Job State Change"},
            ),
        ),
    )
    for name, wrong, data in cases:
        _add(
            Case(
                name,
                "text",
                wrong,
                "each bad line is one reject naming its line (and field); the job 'good-1' loads",
                1,
                1,
            ),
            data,
        )
    _add(
        Case(
            "control-characters.jsonl",
            "output",
            "a job name and a message that hold ANSI/OSC escapes (set the terminal title, "
            "clear the screen), a CR and a C1 control",
            "both jobs load (they are data); no raw ESC, CR or C1 byte reaches stdout or "
            "stderr: each is printed escaped (\\x1b); exit 0",
            2,
            0,
        ),
        good
        + line(
            good_record(
                "evil\x1b]0;pwned\x07-name",
                SecondaryStatusTransitions=[
                    {**e, "StatusMessage": "clear\x1b[2J\rscreen\x9b31m"} for e in _entries()
                ],
            )
        ),
    )
    _add(
        Case(
            "empty.json",
            "text",
            "an empty file",
            "one reject naming the file (empty); nothing loads",
            0,
            2,
        ),
        b"",
    )


FIXTURE_CASES = (
    (
        "unreadable file",
        "a file the user may not read (chmod 000)",
        "tests run as root: "
        "simulated by making open() raise PermissionError for that path in-process, and by a "
        "subprocess that drops to uid 65534",
        "one reject naming the file; exit 2 alone, 1 beside a good file",
    ),
    (
        "unreadable directory",
        "a directory the user may not list (chmod 000)",
        "subprocess as uid 65534",
        "one reject naming the directory; exit 2 alone, 1 beside a good file",
    ),
    (
        "symlink loop",
        "a directory holding 'loop -> .' and 'a -> b', 'b -> a' beside a good file",
        "built in tmp_path",
        "the good file loads; no hang, no recursion; the dangling loop is a "
        "reject naming it; exit 1",
    ),
    (
        "fifo",
        "a named pipe given as input (as bash's <(...) does), fed by a thread",
        "built in tmp_path",
        "read like a file: its records load (exit 1 for mixed content)",
    ),
    ("machine directory", "--machine names a directory", "tmp_path", "usage error, exit 2"),
    ("--tz no zone", "--tz Not/AZone", "command line", "usage error naming the option, exit 2"),
)


def write_all(folder: Path = HERE) -> None:
    """(Re)write every corpus file, manifest.json and README.md into ``folder``."""
    CASES.clear()
    _OUT.clear()
    for make in (structure, numbers, files, tables, side_files, time_zones, text):
        make()
    for name, data in _OUT.items():
        (folder / name).write_bytes(data)
    manifest = {c.file: asdict(c) for c in CASES}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(_readme(), encoding="utf-8")


def _readme() -> str:
    out = [
        "# Hostile inputs",
        "",
        "One small file per kind of bad input. Every command must end with the exit code given",
        "(0 good, 1 data needs attention, 2 could not run), name the file on stderr, never print",
        "a traceback, and load the good records (`good jobs`). Written by `make_corpus.py`",
        "(deterministic: run it after changing a case; `manifest.json` is what the tests read).",
        "",
        "| file | class | what is wrong | expected | good jobs | exit |",
        "|---|---|---|---|---|---|",
    ]
    for c in CASES:
        opts = f" (with `{' '.join(c.options)}`)" if c.options else ""
        src = f" (with `--source {c.source}`)" if c.source not in ("auto", "machine") else ""
        machine = " (given as `--machine`)" if c.source == "machine" else ""
        out.append(
            f"| `{c.file}` | {c.klass} | {c.wrong}{opts}{src}{machine} | {c.outcome} | "
            f"{c.good_jobs} | {c.exit} |"
        )
    out += [
        "",
        "## Built by the tests (cannot live in git)",
        "",
        "| case | what is wrong | how | expected |",
        "|---|---|---|---|",
    ]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in FIXTURE_CASES]
    out += [
        "",
        "## Decisions",
        "",
        "- A record with any bad part is rejected whole, named by file, line and field; its",
        "  neighbours load. An SDK log is one job: a bad line in it (an unreadable time, a",
        "  `Training seconds:` number past int64) is a reject of that line and the job loads.",
        "- Counts and seconds past int64, or not finite, are rejects, not clipped values.",
        "- A lone surrogate cannot be written as UTF-8 (CSV, Parquet, terminal): a reject.",
        "- The gzip bomb expands to 32 MiB: today that loads. The expansion limit must be",
        "  configurable; the test lowers it to 1 MiB (`smstatus.io.inputs.MAX_EXPANDED_BYTES`).",
        "- A repeated DST hour is a real reading of a clock in that zone: it loads, each time",
        "  read so the log stays in order. A skipped DST hour never shows on such a clock, so",
        "  `--tz` is likely wrong: that line is a reject that says so, and the job loads.",
        "- A lowercase `z` is UTC: it loads.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    write_all()
