"""DuckDB as a peer: ``read_json`` of the fields smstatus reads, into Arrow.

DuckDB is an optional benchmark dependency (``pip install duckdb``); without it the figures
that need it are skipped with a note. Every query names its columns and types (no sampling
or detection) and parses the timestamps, as smstatus does: ISO-8601 strings straight into
``TIMESTAMPTZ``, epoch numbers read as ``DOUBLE`` and turned into ``TIMESTAMPTZ`` with
``to_timestamp`` (entries too, with ``list_transform``). The result is fetched as one Arrow
table (``to_arrow_table``) on all cores.
"""

from __future__ import annotations

from pathlib import Path

INSTALL_HINT = "pip install duckdb"

_GROUP = "STRUCT(InstanceType VARCHAR, InstanceCount BIGINT)"
_JOB_TIMES = ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime")


def available() -> bool:
    """Whether DuckDB can be imported."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def _time_type(epoch: bool) -> str:
    return "DOUBLE" if epoch else "TIMESTAMPTZ"


def _entry_type(epoch: bool, *, messages: bool) -> str:
    t = _time_type(epoch)
    message = ", StatusMessage VARCHAR" if messages else ""
    return f"STRUCT(Status VARCHAR, StartTime {t}, EndTime {t}{message})[]"


def _entries_expr(epoch: bool, *, messages: bool) -> str:
    if not epoch:
        return "SecondaryStatusTransitions"
    message = ", 'StatusMessage': e.StatusMessage" if messages else ""
    return (
        "list_transform(SecondaryStatusTransitions, lambda e: {'Status': e.Status, "
        "'StartTime': to_timestamp(e.StartTime), 'EndTime': to_timestamp(e.EndTime)"
        f"{message}}}) AS SecondaryStatusTransitions"
    )


def _read(path: Path, columns: dict[str, str], select: str):
    import duckdb

    spec = "{" + ", ".join(f"{k}: '{v}'" for k, v in columns.items()) + "}"
    literal = "'" + str(path).replace("'", "''") + "'"
    query = (
        f"SELECT {select} FROM read_json({literal}, format='newline_delimited', records=true, "
        f"auto_detect=false, columns={spec})"
    )
    with duckdb.connect() as con:
        return con.sql(query).to_arrow_table()


def read_describe(path: Path, *, epoch: bool = False):
    """Every field smstatus loads (job fields, entries with messages) as one Arrow table."""
    t = _time_type(epoch)
    columns = {
        "TrainingJobName": "VARCHAR",
        "TrainingJobStatus": "VARCHAR",
        "SecondaryStatus": "VARCHAR",
        "FailureReason": "VARCHAR",
        **{k: t for k in _JOB_TIMES},
        "ResourceConfig": f"STRUCT(InstanceType VARCHAR, InstanceCount BIGINT, "
        f"InstanceGroups {_GROUP}[])",
        "EnableManagedSpotTraining": "BOOLEAN",
        "StoppingCondition": "STRUCT(MaxRuntimeInSeconds BIGINT, MaxWaitTimeInSeconds BIGINT)",
        "TrainingTimeInSeconds": "BIGINT",
        "BillableTimeInSeconds": "BIGINT",
        "WarmPoolStatus": "STRUCT(Status VARCHAR)",
        "TuningJobArn": "VARCHAR",
        "SecondaryStatusTransitions": _entry_type(epoch, messages=True),
    }
    select = ", ".join(
        f"to_timestamp({k}) AS {k}" if epoch and k in _JOB_TIMES else k
        for k in columns
        if k != "SecondaryStatusTransitions"
    )
    return _read(path, columns, f"{select}, {_entries_expr(epoch, messages=True)}")


def read_names_and_entries(path: Path, *, epoch: bool = False):
    """Job names and entries (status, start, end: what validation needs) as one Arrow table."""
    columns = {
        "TrainingJobName": "VARCHAR",
        "SecondaryStatusTransitions": _entry_type(epoch, messages=False),
    }
    return _read(path, columns, f"TrainingJobName, {_entries_expr(epoch, messages=False)}")


def is_epoch(shape: str) -> bool:
    """Whether the shape writes its times as epoch numbers (read as ``DOUBLE`` here)."""
    return "epoch" in shape
