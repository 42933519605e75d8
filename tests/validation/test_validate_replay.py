"""The transitions machine is the source of truth: replaying random histories through it gives
the same edge verdicts as the vectorised validator."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from transitions import MachineError

from smstatus import JobHistory, StatusMachine
from smstatus.validation.checks import validate

MACHINE = StatusMachine()  # our own instance: the replay attaches its model to its machine
UNKNOWN = ("Provisioning", "Queued")
BAD = {"illegal_transition", "transition_after_terminal", "unknown_status"}
EDGE_CODES = {
    "illegal_transition",
    "transition_after_terminal",
    "unknown_status",
    "repeated_status",
    "inferred_edge",
}


class Replay:
    """One reused ``transitions.Machine`` and one model: set the state, fire ``to_<dest>``."""

    def __init__(self, machine: StatusMachine) -> None:
        self.status_machine = machine
        self.machine = machine.machine
        self.model = type("ReplayModel", (), {})()
        self.machine.add_model(self.model, initial=machine.initial)
        self.states = set(self.machine.states)
        self._reach: dict[tuple[str, bool], set[str]] = {}

    def fire(self, source: str, dest: str) -> bool:
        """Whether the machine takes ``source -> dest``."""
        self.machine.set_state(source, self.model)
        try:
            self.model.trigger(self.status_machine.trigger_name(dest))
        except (MachineError, AttributeError):
            return False
        return self.model.state == dest

    def reachable(self, source: str, *, evidenced: bool) -> set[str]:
        """States reached from ``source`` by firing the machine's triggers (one or more)."""
        key = (source, evidenced)
        if key not in self._reach:
            seen: set[str] = set()
            todo = [source]
            while todo:
                state = todo.pop()
                for trigger in self.machine.get_triggers(state):
                    self.machine.set_state(state, self.model)
                    try:
                        self.model.trigger(trigger)
                    except MachineError:
                        continue
                    new = self.model.state
                    edge = self.status_machine.edge(state, new)
                    if evidenced and edge is not None and edge.inferred_only:
                        continue
                    if new not in seen:
                        seen.add(new)
                        todo.append(new)
            self._reach[key] = seen
        return self._reach[key]

    def verdicts(self, job: str, statuses: list[str], *, sampled: bool) -> set[tuple]:
        out: set[tuple] = set()
        for step, dest in enumerate(statuses):
            if dest not in self.states:
                out.add((job, step, "unknown_status"))
            if step == 0:
                continue
            source = statuses[step - 1]
            if source == dest:
                out.add((job, step, "repeated_status"))
                continue
            if source not in self.states or dest not in self.states:
                continue  # edges touching an unknown status are not judged
            terminal = source in self.status_machine.terminal
            if sampled:
                legal = dest in self.reachable(source, evidenced=False)
                inferred = legal and dest not in self.reachable(source, evidenced=True)
            else:
                legal = self.fire(source, dest)
                inferred = legal and self.status_machine.edge(source, dest).inferred_only
            if terminal:
                assert not legal
                out.add((job, step, "transition_after_terminal"))
            elif not legal:
                out.add((job, step, "illegal_transition"))
            elif inferred:
                out.add((job, step, "inferred_edge"))
        return out


REPLAY = Replay(MACHINE)
KNOWN = MACHINE.statuses


@st.composite
def job_statuses(draw) -> list[str]:
    """A walk that mostly follows the machine, with jumps, repeats and unknown statuses."""
    n = draw(st.integers(0, 9))
    out: list[str] = []
    for _ in range(n):
        kind = draw(st.sampled_from(["walk", "walk", "walk", "any", "repeat", "unknown"]))
        successors = MACHINE.successors(out[-1]) if out else ("Starting",)
        if kind == "repeat" and out:
            out.append(out[-1])
        elif kind == "unknown":
            out.append(draw(st.sampled_from(UNKNOWN)))
        elif kind == "walk" and successors:
            out.append(draw(st.sampled_from(successors)))
        else:
            out.append(draw(st.sampled_from(KNOWN)))
    return out


histories = st.lists(
    st.tuples(job_statuses(), st.sampled_from(["describe", "describe", "sdk-log"])),
    min_size=1,
    max_size=6,
)


def build(jobs: list[tuple[list[str], str]]) -> JobHistory:
    names, steps, statuses = [], [], []
    for j, (seq, _) in enumerate(jobs):
        names += [f"job-{j}"] * len(seq)
        steps += list(range(len(seq)))
        statuses += seq
    start = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(len(names)), "min")
    trans = pd.DataFrame(
        {
            "job_name": names,
            "step": np.asarray(steps, dtype="int32"),
            "status": statuses,
            "start_time": start,
            "end_time": start + pd.Timedelta("1min"),
        }
    )
    frame = pd.DataFrame(
        {"job_name": [f"job-{j}" for j in range(len(jobs))], "source": [s for _, s in jobs]}
    )
    return JobHistory(frame, trans)


@given(histories)
def test_replay_through_transitions_gives_the_same_verdicts(jobs):
    report = validate(build(jobs), machine=MACHINE)
    v = report.violations[report.violations["code"].isin(EDGE_CODES)]
    ours = set(zip(v["job_name"], v["step"].astype(int), v["code"].astype(str), strict=True))
    theirs: set[tuple] = set()
    rejected: set[str] = set()
    for j, (seq, source) in enumerate(jobs):
        verdicts = REPLAY.verdicts(f"job-{j}", seq, sampled=source == "sdk-log")
        theirs |= verdicts
        if any(code in BAD for *_, code in verdicts):
            rejected.add(f"job-{j}")
    assert ours == theirs
    # a job the machine rejects is never among the valid ones
    assert rejected <= set(report.invalid_jobs)
