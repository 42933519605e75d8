"""load(errors="collect") lists the rejects in the order of the inputs, each file's by line.

A builder finds malformed JSON while it reads and bad times when it builds; the rejects must
not come out grouped by that (the last file's malformed lines before the first file's bad
times).
"""

from __future__ import annotations

import json

import pytest

import smstatus


def _job(name: str, start: str = "2024-01-01T00:00:00Z") -> str:
    return json.dumps(
        {
            "TrainingJobName": name,
            "TrainingJobStatus": "InProgress",
            "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": start}],
        }
    )


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "a.json"
    a.write_text("[" + _job("a1") + ", " + _job("a2", "not a time") + "]")
    b = tmp_path / "b.jsonl"
    # a bad time (found when built) before malformed JSON (found when read)
    b.write_text("\n".join([_job("b1", "nope"), "{bad json", _job("b3"), "[1, 2"]) + "\n")
    c = tmp_path / "c.log"
    c.write_text("no status line here\n")
    return a, b, c


def _places(history) -> list[tuple[str, object]]:
    u = history.unparsed
    return [(f.rsplit("/", 1)[-1], line) for f, line in zip(u["file"], u["line"], strict=True)]


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 0, 2), (2, 1, 0), (1, 2, 0)])
def test_rejects_follow_the_inputs_then_the_lines(files, order):
    given = [files[i] for i in order]
    h = smstatus.load(given, errors="collect", source="auto")
    places = _places(h)
    names = [f.name for f in given]
    # grouped by file, in the order given
    seen = [name for name, _ in places]
    assert sorted(set(seen), key=seen.index) == [n for n in names if n in set(seen)]
    assert seen == sorted(seen, key=names.index)
    # within a file, by line
    for name in names:
        lines = [line for n, line in places if n == name]
        assert lines == sorted(lines)
    assert places.count(("b.jsonl", 1)) == 1 and places.count(("b.jsonl", 2)) == 1
    assert {n for n, _ in places} == {"a.json", "b.jsonl", "c.log"}
    assert sorted(h.job_names) == ["a1", "b3"]


def test_a_directory_lists_its_files_rejects_in_its_order(files):
    a = files[0]
    h = smstatus.load(a.parent, errors="collect")
    seen = [name for name, _ in _places(h)]
    assert seen == sorted(seen)  # a directory expands in name order
