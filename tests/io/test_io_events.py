"""EventBridge training-job state-change events: the latest event of each job wins."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import smstatus
from smstatus.errors import ParseError
from smstatus.io.events import DETAIL_TYPE, from_events

T0 = pd.Timestamp("2024-05-01T10:00:00Z")


def ms(seconds: float) -> str:
    """Epoch milliseconds as a string, as in the AWS sample event."""
    return str(int((T0 + pd.Timedelta(seconds=seconds)).value // 1_000_000))


def event(name, statuses, *, modified=None, time=None, primary="InProgress", **detail):
    entries = []
    for i, status in enumerate(statuses):
        entry = {"Status": status, "StartTime": ms(i * 60), "StatusMessage": f"{status} msg"}
        if i + 1 < len(statuses):
            entry["EndTime"] = ms((i + 1) * 60)
        entries.append(entry)
    out = {
        "version": "0",
        "detail-type": DETAIL_TYPE,
        "source": "aws.sagemaker",
        "detail": {
            "TrainingJobName": name,
            "TrainingJobStatus": primary,
            "SecondaryStatus": statuses[-1] if statuses else None,
            "SecondaryStatusTransitions": entries,
            **detail,
        },
    }
    if modified is not None:
        out["detail"]["LastModifiedTime"] = ms(modified)
    if time is not None:
        out["time"] = time
    return out


def statuses(h, name):
    t = h.transitions
    return t.loc[t["job_name"] == name, "status"].tolist()


def test_latest_by_last_modified_time_whatever_the_order():
    events = [
        event("a", ["Starting", "Downloading"], modified=120),
        event("b", ["Starting"], modified=10),
        event("a", ["Starting"], modified=60),  # older, arrives later
        event("a", ["Starting", "Downloading", "Training"], modified=180),
        event("a", ["Starting", "Downloading"], modified=120),  # a duplicate
    ]
    h = from_events(events)
    assert h.job_names.tolist() == ["a", "b"]  # jobs in order of their first event
    assert statuses(h, "a") == ["Starting", "Downloading", "Training"]
    assert statuses(h, "b") == ["Starting"]
    assert h.jobs["last_modified_time"].iloc[0] == T0 + pd.Timedelta(seconds=180)
    assert set(h.jobs["source"]) == {"events"}
    assert len(h.unparsed) == 0


def test_ties_break_on_event_time_then_position():
    same = 100
    events = [
        event("a", ["Starting", "Training"], modified=same, time="2024-05-01T10:05:00Z"),
        event("a", ["Starting"], modified=same, time="2024-05-01T10:01:00Z"),
        event("b", ["Starting"], modified=same),
        event("b", ["Starting", "Pending"], modified=same),
        event("c", ["Starting", "Training"]),  # no times at all: the last one wins
        event("c", ["Starting", "Pending"]),
    ]
    h = from_events(events)
    assert statuses(h, "a") == ["Starting", "Training"]
    assert statuses(h, "b") == ["Starting", "Pending"]
    assert statuses(h, "c") == ["Starting", "Pending"]
    assert h.n_jobs == 3


def test_an_event_with_times_beats_one_without():
    h = from_events([event("a", ["Starting", "Training"], modified=5), event("a", ["Starting"])])
    assert statuses(h, "a") == ["Starting", "Training"]


def test_epoch_millisecond_entry_times_are_exact():
    h = from_events(event("a", ["Starting", "Training"], modified=0))
    assert h.transitions["start_time"].tolist() == [T0, T0 + pd.Timedelta(seconds=60)]
    assert pd.isna(h.transitions["end_time"].iloc[1])


@pytest.mark.parametrize("layout", ["object", "list", "jsonl"])
def test_file_layouts(tmp_path, layout):
    events = [
        event("a", ["Starting"], modified=1),
        event("a", ["Starting", "Training"], modified=2),
    ]
    path = tmp_path / "events.json"
    if layout == "object":
        path.write_text(json.dumps(events[1], indent=2))
    elif layout == "list":
        path.write_text(json.dumps(events, indent=2))
    else:
        path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    h = smstatus.load(path)
    assert statuses(h, "a") == ["Starting", "Training"]
    assert h.n_jobs == 1


def test_latest_wins_across_files(tmp_path):
    (tmp_path / "1-new.jsonl").write_text(
        json.dumps(event("a", ["Starting", "Training"], modified=200)) + "\n"
    )
    (tmp_path / "2-old.jsonl").write_text(
        json.dumps(event("a", ["Starting"], modified=100))
        + "\n"
        + json.dumps(event("b", ["Starting"], modified=100))
        + "\n"
    )
    (tmp_path / "3-describe.json").write_text(
        json.dumps({"TrainingJobName": "a", "SecondaryStatusTransitions": []})
    )
    h = smstatus.load(tmp_path)
    # the describe response of "a" is another source: kept (a duplicate for validation)
    assert h.job_names.tolist() == ["a", "b", "a"]
    assert h.jobs["source"].tolist() == ["events", "events", "describe"]
    events_only = smstatus.load([tmp_path / "2-old.jsonl", tmp_path / "1-new.jsonl"])
    assert events_only.job_names.tolist() == ["a", "b"]
    assert statuses(events_only, "a") == ["Starting", "Training"]


def test_load_routes_event_dicts():
    h = smstatus.load([event("a", ["Starting"])])
    assert h.jobs["source"].tolist() == ["events"]


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (
            {"detail-type": "SageMaker Processing Job State Change", "detail": {}},
            "detail-type",
            "not a training-job",
        ),
        ({"detail-type": DETAIL_TYPE}, "detail", "no 'detail'"),
        (
            {"detail-type": DETAIL_TYPE, "detail": {"TrainingJobStatus": "x"}},
            "TrainingJobName",
            "no TrainingJobName",
        ),
        ([1, 2], None, "expected a JSON object"),
        (event("z", ["Starting"]) | {"time": "yesterday"}, "time", "not a timestamp"),
        (
            {
                **event("z", ["Starting"]),
                "detail": {**event("z", ["Starting"])["detail"], "LastModifiedTime": "soon"},
            },
            "LastModifiedTime",
            "not a timestamp",
        ),
        (
            event("z", ["Starting"])
            | {"detail": {"TrainingJobName": "z", "SecondaryStatusTransitions": [{"Status": "A"}]}},
            "StartTime",
            "no StartTime",
        ),
    ],
)
def test_bad_events_raise_or_are_collected(bad, field, reason):
    good = event("a", ["Starting"], modified=1)
    with pytest.raises(ParseError, match=reason) as err:
        from_events([good, bad], name="events.json")
    assert (err.value.file, err.value.line, err.value.field) == ("events.json", 2, field)
    h = from_events([good, bad], errors="collect", name="events.json")
    assert h.job_names.tolist() == ["a"]
    assert h.unparsed[["file", "line"]].values.tolist() == [["events.json", 2]]
    assert reason in h.unparsed["reason"].iloc[0]
