"""Machine definitions from other hands: every malformed file or mapping is one
MachineDefinitionError that names the file, never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smstatus.errors import MachineDefinitionError
from smstatus.machine import STATUS_NAME, StatusMachine


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "machine.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"version": "v1-\xe9t\xe9"}', "not UTF-8"),
        ("[1, 2, 3]", "not a list"),
        ('"just a string"', "not a string"),
        ("null", "not a null"),
        ('{"remove_edges": [["Starting"]]}', "[source, dest] pair"),
        ('{"remove_edges": ["StartingPending"]}', "[source, dest] pair"),
        ('{"remove_edges": [[1, 2]]}', "[source, dest] pair"),
        ('{"remove_edges": 5}', "not iterable"),
        ('{"add_edges": [["Starting"]]}', "needs a source and a dest"),
        ('{"add_edges": ["Starting"]}', "list or a mapping"),
        ('{"add_edges": [7]}', "list or a mapping"),
        ('{"add_statuses": [7]}', "needs a 'name'"),
        ('{"add_statuses": [{"name": "Queued", "primary": "Sleeping"}]}', "primary must be"),
        ('{"add_statuses": ["Evil\\n  Starting --> Completed: pwned"]}', "plain identifier"),
        ('{"add_statuses": ["Queued\\u001b[2J"]}', "plain identifier"),
        ('{"add_statuses": ["Queued Up"]}', "plain identifier"),
        ('{"add_statuses": ["1Queued"]}', "plain identifier"),
        ('{"version": "v2\\n---\\ntitle: pwned"}', "printable"),
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ("{", "not valid JSON"),
    ],
)
def test_malformed_machine_file_is_one_named_error(
    tmp_path: Path, content: str | bytes, says: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(MachineDefinitionError) as info:
        StatusMachine.from_json(path)
    assert str(path) in str(info.value)
    assert says in str(info.value)


def test_a_directory_is_not_a_machine_file(tmp_path: Path) -> None:
    with pytest.raises(MachineDefinitionError, match="is a directory"):
        StatusMachine.from_json(tmp_path)


def test_a_missing_machine_file(tmp_path: Path) -> None:
    with pytest.raises(MachineDefinitionError, match="no such machine file"):
        StatusMachine.from_json(tmp_path / "nope.json")


def test_a_huge_machine_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import smstatus.machine

    monkeypatch.setattr(smstatus.machine, "MAX_MACHINE_BYTES", 100)
    path = _write(tmp_path, json.dumps({"version": "x" * 200}))
    with pytest.raises(MachineDefinitionError, match="at most 100 bytes"):
        StatusMachine.from_json(path)


def test_extend_checks_its_arguments_itself() -> None:
    m = StatusMachine()
    with pytest.raises(MachineDefinitionError, match="pair"):
        m.extend(remove_edges=[("Starting",)])
    with pytest.raises(MachineDefinitionError, match="primary must be"):
        m.extend(add_statuses=[{"name": "Queued", "primary": "nope"}])
    with pytest.raises(MachineDefinitionError, match="plain identifier"):
        m.extend(add_statuses=["a-b"])


def test_a_good_custom_machine_still_loads(tmp_path: Path) -> None:
    doc = {
        "version": 2,
        "add_statuses": [{"name": "Queued_2", "primary": "InProgress"}],
        "add_edges": [["Queued_2", "Starting", ["seen"]]],
        "remove_edges": [["Starting", "Interrupted"]],
    }
    m = StatusMachine.from_json(_write(tmp_path, json.dumps(doc)))
    assert m.version == "2"
    assert m.is_legal("Queued_2", "Starting") and not m.is_legal("Starting", "Interrupted")


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=12))
def test_mermaid_lines_are_never_injected(name: str) -> None:
    """A status name either is refused or draws as itself, on lines of its own."""
    assume(name not in StatusMachine().statuses)
    try:
        m = StatusMachine().extend(add_statuses=[name], add_edges=[(name, "Starting")])
    except MachineDefinitionError:
        assert not STATUS_NAME.fullmatch(name)
        return
    text = m.to_mermaid()
    assert all(line.isprintable() for line in text.splitlines())
    assert f"{name} --> Starting" in text
