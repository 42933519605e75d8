"""The machine of legal edges (design §2): table, transitions machine, derived views, JSON."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import MachineError

from smstatus.errors import MachineDefinitionError
from smstatus.machine import (
    EDGE_TABLE,
    EDGE_TABLE_V1,
    EDGE_TABLE_VERSION,
    Basis,
    Edge,
    StatusMachine,
    default_machine,
)
from smstatus.status import SecondaryStatus

DESIGN_TABLE = {
    "Starting": "Pending Downloading Training Stopping Failed Interrupted LaunchingMLInstances",
    "Pending": "Starting Downloading Training Stopping Failed",
    "LaunchingMLInstances": "PreparingTrainingStack Stopping Failed",
    "PreparingTrainingStack": "Downloading DownloadingTrainingImage Training Stopping Failed",
    "Downloading": "Training DownloadingTrainingImage Stopping Failed Interrupted Starting Pending",
    "DownloadingTrainingImage": "Training Stopping Failed",
    "Training": "Uploading Interrupted Stopping Failed Starting Pending Restarting Updating "
    "MaxRuntimeExceeded",
    "Updating": "Training Downloading Stopping Failed",
    "Restarting": "Starting Downloading Training Stopping Failed",
    "Interrupted": "Starting Downloading Pending Stopping Failed",
    "Uploading": "Completed Failed Stopping Stopped MaxRuntimeExceeded",
    "Stopping": "Stopped MaxWaitTimeExceeded MaxRuntimeExceeded Uploading Failed",
}
EVIDENCED = {
    ("Starting", "Pending"),
    ("Starting", "Downloading"),
    ("Starting", "Training"),
    ("Starting", "Stopping"),
    ("Pending", "Downloading"),
    ("Downloading", "Training"),
    ("Downloading", "Stopping"),
    ("Downloading", "Starting"),
    ("Downloading", "Pending"),
    ("Training", "Uploading"),
    ("Training", "Interrupted"),
    ("Training", "Stopping"),
    ("Training", "Starting"),
    ("Training", "Pending"),
    ("Interrupted", "Starting"),
    ("Interrupted", "Downloading"),
    ("Uploading", "Completed"),
    ("Uploading", "Failed"),
    ("Stopping", "Stopped"),
    ("Stopping", "MaxWaitTimeExceeded"),
    # v1.1: seen in published histories
    ("Pending", "Failed"),
    ("Uploading", "Stopped"),
    ("Stopping", "Uploading"),
}
SEEN_V11 = {
    ("Pending", "Failed"),
    ("Training", "Stopping"),
    ("Uploading", "Stopped"),
    ("Stopping", "Uploading"),
}

M = default_machine()
STATUSES = [s.value for s in SecondaryStatus]


def test_table_is_the_design_table():
    expected = {(a, b) for a, dests in DESIGN_TABLE.items() for b in dests.split()}
    assert {(e.source, e.dest) for e in EDGE_TABLE} == expected
    assert len(EDGE_TABLE) == len(expected)


def test_basis_of_every_edge():
    for e in EDGE_TABLE:
        assert e.inferred_only == ((e.source, e.dest) not in EVIDENCED), e
    assert M.edge("Starting", "Downloading").basis == {Basis.DOC, Basis.SEEN}
    assert M.edge("Uploading", "Failed").basis == {Basis.SEEN}


def test_v11_sees_the_four_edges_of_published_histories():
    assert EDGE_TABLE_VERSION == "v1.1" and M.version == "v1.1"
    for a, b in SEEN_V11:
        assert Basis.SEEN in M.edge(a, b).basis, (a, b)
        assert not M.edge(a, b).inferred_only
    assert M.edge("Training", "Stopping").basis == {Basis.DOC, Basis.SEEN}
    # no published failure skips Uploading: Training -> Failed stays an inference
    assert M.edge("Training", "Failed").inferred_only


def test_former_name_of_the_table_is_the_same_table():
    import smstatus

    assert EDGE_TABLE_V1 is EDGE_TABLE
    assert smstatus.EDGE_TABLE is EDGE_TABLE and smstatus.EDGE_TABLE_VERSION == "v1.1"


def test_machine_is_built_without_auto_transitions():
    machine = M.machine
    assert machine.auto_transitions is False
    assert list(machine.states) == STATUSES
    assert not any(name.startswith("to_") and name[3:] == name for name in machine.events)


def test_matrix_agrees_with_the_transitions_machine_and_the_table():
    from_table = np.zeros_like(M.matrix)
    for e in EDGE_TABLE:
        from_table[M.index[e.source], M.index[e.dest]] = True
    assert (M.matrix == from_table).all()
    replayed = np.zeros_like(M.matrix)
    model = type("Model", (), {})()
    M.machine.add_model(model, initial="Starting")
    try:
        for a in STATUSES:
            for b in STATUSES:
                M.machine.set_state(a, model=model)
                try:
                    model.trigger(M.trigger_name(b))
                except (MachineError, AttributeError):
                    continue
                replayed[M.index[a], M.index[b]] = True
    finally:
        M.machine.remove_model(model)
    assert (M.matrix == replayed).all()


def test_no_edge_leaves_a_terminal_status():
    for t in M.terminal:
        assert not M.matrix[M.index[t]].any()
        assert M.successors(t) == ()


def test_reachability_is_the_transitive_closure():
    n = len(STATUSES)
    reach = M.matrix.copy()
    power = M.matrix.astype(int)
    for _ in range(n):
        power = (power @ M.matrix.astype(int) > 0).astype(int)
        reach |= power.astype(bool)
    assert (M.reachability == reach).all()
    assert M.is_legal("Starting", "Completed", reachable=True)
    assert not M.is_legal("Starting", "Completed")
    assert not M.is_legal("Completed", "Starting", reachable=True)


@given(st.lists(st.sampled_from(STATUSES), min_size=2, max_size=8))
def test_any_legal_path_is_reachable(path):
    legal = all(M.is_legal(a, b) for a, b in itertools.pairwise(path))
    if legal:
        assert M.is_legal(path[0], path[-1], reachable=True)


def test_successors_and_basis_matrix():
    assert M.successors("Pending") == ("Starting", "Downloading", "Training", "Stopping", "Failed")
    assert M.basis_matrix[M.index["Starting"], M.index["Downloading"]] == 2
    assert M.basis_matrix[M.index["Starting"], M.index["Failed"]] == 1
    assert M.basis_matrix[M.index["Completed"], M.index["Starting"]] == 0
    assert M.successors("NoSuchStatus") == ()
    assert not M.is_legal("NoSuchStatus", "Starting")


def test_edges_frame():
    frame = M.edges_frame()
    assert len(frame) == len(EDGE_TABLE)
    assert (
        frame.loc[(frame.source == "Starting") & (frame.dest == "Downloading"), "basis"].item()
        == "doc,seen"
    )


def test_extend_and_restrict(tmp_path):
    doc = {
        "version": "v1+ours",
        "add_statuses": [{"name": "Queued", "primary": "InProgress"}],
        "add_edges": [{"source": "Queued", "dest": "Starting", "basis": ["seen"]}],
        "remove_edges": [["Starting", "Interrupted"]],
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    m = StatusMachine.from_json(path)
    assert m.version == "v1+ours"
    assert m.is_legal("Queued", "Starting")
    assert not m.is_legal("Starting", "Interrupted")
    assert m.primary_of("Queued") == "InProgress"
    assert m.matrix.shape == (18, 18)
    assert M.is_legal("Starting", "Interrupted")  # the default is untouched
    again = StatusMachine.from_json(m.to_json())
    assert (again.matrix == m.matrix).all() and again.statuses == m.statuses


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"add_edges": [["Starting", "Nope"]]}, "not a status"),
        ({"remove_edges": [["Completed", "Starting"]]}, "not an edge"),
        ({"add_edges": [["Completed", "Starting"]]}, "terminal"),
        ({"add_edges": [["Starting", "Starting"]]}, "self-loop"),
        ({"add_edges": [{"source": "Starting", "dest": "Failed", "basis": "rumour"}]}, "basis"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_bad_machine_files_name_the_problem(doc, needle):
    with pytest.raises(MachineDefinitionError, match=needle):
        StatusMachine.from_json(doc)


def test_bad_json_file_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "version": "x",\n oops\n}')
    with pytest.raises(MachineDefinitionError, match=r"bad\.json:3"):
        StatusMachine.from_json(path)
    with pytest.raises(ValueError, match="no such machine file"):
        StatusMachine.from_json(tmp_path / "missing.json")


def test_full_replacement_table():
    m = StatusMachine.from_json(
        {"version": "tiny", "edges": [["Starting", "Training", "doc"], ["Training", "Completed"]]}
    )
    assert m.successors("Starting") == ("Training",)
    assert m.edge("Training", "Completed").inferred_only


def test_mermaid_text_from_transitions():
    text = M.to_mermaid()
    assert text.count("-->") >= len(EDGE_TABLE)
    assert "stateDiagram-v2" in text
    assert "Starting --> Downloading: doc_seen" in text
    assert "Starting --> Failed: inferred" in text
    assert "Completed --> [*]" in text


def test_edge_dataclass():
    e = Edge("Starting", "Failed", frozenset({Basis.INFERRED}))
    assert e.inferred_only


@pytest.mark.parametrize(
    ("steps", "primary"),
    [
        ([("Starting", 4), ("Pending", 1), ("Failed", 0)], "Failed"),
        ([("Starting", 60), ("Downloading", 30), ("Training", 500), ("Stopping", 80),
          ("Uploading", 2), ("Stopped", 0)], "Stopped"),
        ([("Starting", 60), ("Downloading", 30), ("Training", 500), ("Uploading", 20),
          ("Stopped", 0)], "Stopped"),
    ],
)  # fmt: skip
def test_strict_validation_accepts_the_edges_seen_in_v11(steps, primary):
    from _histories import chain
    from smstatus.validate import validate

    h = chain("job", steps, training_job_status=primary, secondary_status=steps[-1][0])
    report = validate(h, strict=True)
    assert report.ok, report.violations
    assert "inferred_edge" not in set(report.violations["code"])


def test_inferred_edge_message_says_what_is_known():
    from _histories import chain
    from smstatus.validate import validate

    steps = [("Starting", 60), ("Downloading", 30), ("Training", 500), ("Failed", 0)]
    h = chain("job", steps, training_job_status="Failed", secondary_status="Failed")
    report = validate(h, strict=True)
    inferred = report.violations[report.violations["code"] == "inferred_edge"]
    assert inferred["severity"].tolist() == ["error"]
    message = inferred["message"].iloc[0]
    assert "Training -> Failed is legal only by inference" in message
    assert "no published history shows it" in message
    assert "never seen" not in message
