"""The simulator's lifecycle table, held against the status machine and against the walk."""

from __future__ import annotations

import itertools

import pytest

import smstatus.simulation.simulator as simulator
from smstatus.machine import default_machine
from smstatus.simulation.lifecycle import (
    ACTIVE,
    FIRST_PHASE,
    LIFECYCLE,
    Exit,
    cut_phase,
    lifecycle_edges,
    targets,
)
from smstatus.simulation.simulator import simulate_with_truth
from smstatus.status import SecondaryStatus

MACHINE = default_machine()
EDGES = lifecycle_edges()
LIMITS = ("MaxRuntimeInSeconds", "MaxWaitTimeInSeconds")


def _reachable() -> set[str]:
    """Phases the walk can reach: from the first phase, and from where a limit cuts a phase."""
    todo = [FIRST_PHASE]
    todo += [cut_phase(reason, status) for reason in LIMITS for status in MACHINE.statuses]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [t for e in LIFECYCLE[name].exits for t in targets(e)]
    return seen


def test_every_way_out_leads_to_a_phase_and_every_phase_is_reachable():
    for name, phase in LIFECYCLE.items():
        for exit_ in phase.exits:
            assert set(targets(exit_)) <= set(LIFECYCLE), (name, exit_)
    assert _reachable() == set(LIFECYCLE)


def test_every_edge_the_walk_can_take_is_legal():
    illegal = [edge for edge in EDGES if not MACHINE.is_legal(*edge)]
    assert illegal == []
    # the walk writes every current status, and begins where the machine begins
    assert {s for edge in EDGES for s in edge} == set(MACHINE.statuses)
    starts = {LIFECYCLE[t].status for e in LIFECYCLE[FIRST_PHASE].exits for t in targets(e)}
    assert starts == {MACHINE.initial}


def test_every_status_the_walk_writes_is_in_the_vocabulary():
    written = {phase.status for phase in LIFECYCLE.values() if phase.status is not None}
    assert written <= {s.value for s in SecondaryStatus}
    ends = {phase.status for phase in LIFECYCLE.values() if phase.draw == "end"}
    assert ends == set(MACHINE.terminal)
    assert all(not MACHINE.is_terminal(str(p.status)) for p in LIFECYCLE.values() if p.exits)


def test_edges_resting_on_inference_alone_are_marked_in_the_table():
    """An edge neither documented nor seen is taken only by a way out marked ``inferred``, and
    a way out so marked takes at least one such edge (the marks stay true to the machine)."""
    inferred_only = {edge for edge in EDGES if MACHINE.edge(*edge).inferred_only}
    unmarked = [edge for edge in inferred_only if not all(e.inferred for e in EDGES[edge])]
    assert unmarked == []
    marked = {id(e): e for exits in EDGES.values() for e in exits if e.inferred}
    for key, exit_ in marked.items():
        taken = {edge for edge, exits in EDGES.items() if any(id(e) == key for e in exits)}
        assert taken & inferred_only, exit_
    # the main road is documented or seen
    for edge in [
        ("Starting", "Downloading"),
        ("Downloading", "Training"),
        ("Training", "Uploading"),
        ("Uploading", "Completed"),
    ]:
        assert not MACHINE.edge(*edge).inferred_only and edge in EDGES


def test_every_phase_has_a_way_out_whatever_the_job():
    for name, phase in LIFECYCLE.items():
        ps = [e.p for e in phase.exits]
        if phase.draw in ("chances", "bands", "first"):
            # the rest: a way out without a chance, open always or together with its complement
            rest = [e for e in phase.exits if e.p is None]
            assert rest, name
            assert not rest[-1].when or {e.when for e in rest} >= {"downloads", "skips_download"}
        if phase.draw == "bands":
            assert sum(p for p in ps if isinstance(p, float)) < 0.1, name
        if phase.draw == "pick":
            assert all(isinstance(p, int | float) and p > 0 for p in ps), name
        if phase.draw == "end":
            assert ps == [], name


def test_limits_cut_where_the_table_says():
    for status in ACTIVE:
        assert LIFECYCLE[cut_phase("MaxRuntimeInSeconds", status)].status is None
    assert cut_phase("MaxRuntimeInSeconds", "Training") == "MaxRuntimeInSeconds in Training"
    assert cut_phase("MaxWaitTimeInSeconds", "Pending") == "MaxWaitTimeInSeconds"


@pytest.fixture(scope="module")
def fleets():
    """Modern jobs (with spot and training plans), and legacy ones."""
    return [
        simulate_with_truth(2500, seed=5, start="2025-01-06", days=90),
        simulate_with_truth(600, seed=6, start="2017-12-01", days=20, legacy_share=1.0),
    ]


def test_the_walk_takes_only_edges_of_the_table(fleets):
    taken: set[tuple[str, str]] = set()
    for fleet in fleets:
        for response in fleet.responses:
            statuses = [e["Status"] for e in response["SecondaryStatusTransitions"]]
            taken |= set(itertools.pairwise(statuses))
    assert taken <= set(EDGES)
    assert len(taken) > 0.7 * len(EDGES)  # and most of the table is used


def test_the_walk_refuses_a_step_the_table_does_not_name(monkeypatch):
    def straight_to_completed(walk: simulator._Walk, name: str) -> tuple[Exit, str]:
        walk.end("Completed", "done")
        return Exit("Uploading"), "Completed"  # Training -> Completed: not in the table

    monkeypatch.setitem(simulator._HANDLER_OF, "Training", straight_to_completed)
    with pytest.raises(AssertionError, match="not in the lifecycle table"):
        simulate_with_truth(20, seed=1)
